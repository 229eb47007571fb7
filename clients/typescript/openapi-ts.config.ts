// `make client` runs this: the API's spec (written in-process by scripts/openapi_spec.py) to a typed SDK.
import { defineConfig } from '@hey-api/openapi-ts';

export default defineConfig({
  input: 'openapi.json',
  output: {
    path: 'src/client',
    // Node's ES modules need the extension on relative imports; bundlers accept it too.
    module: { extension: '.js' },
  },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
  logs: { file: false },
});
