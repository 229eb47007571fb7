// The package's entry: the generated SDK (operations and types, in ./client, written by `make client`) and the
// client instance they share, configured once with `client.setConfig({ baseUrl, auth })`.
export * from './client/index.js';
export { client } from './client/client.gen.js';
