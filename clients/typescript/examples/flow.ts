/**
 * The whole flow against a running API, as CI runs it (tests/integration/test_typescript_client.py): sign up,
 * sign in, /me, a refused sign-in with its typed problem; then (with the example noun) create a post, list,
 * change, one refused change, delete. It imports the package by name, as an app would, and prints what it saw
 * as one JSON line.
 *
 *   npm run example -- http://127.0.0.1:3000
 */
import {
  client,
  createPost, // capability: posts
  deletePost, // capability: posts
  getMe,
  getPost, // capability: posts
  listMyPosts, // capability: posts
  login,
  signup,
  updatePost, // capability: posts
  type Problem,
} from 'api-client';

/** The data of a call that must succeed; anything else stops the flow with the server's problem. */
function ok<T>(step: string, result: { data?: T; error?: unknown; response?: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    throw new Error(`${step} failed (${result.response?.status}): ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

const baseUrl = process.argv[2] ?? 'http://127.0.0.1:3000';
const email = process.argv[3] ?? `ts-${Date.now()}@example.com`;
const password = 'correct horse battery';
// Node has no page origin to resolve relative URLs against: name the server. A browser app served from the
// API's own origin needs no baseUrl (the spec's `servers` entry is `/`).
client.setConfig({ baseUrl });

const account = ok('signup', await signup({ body: { email, password, displayName: 'Ada from TypeScript' } }));
const tokens = ok('login', await login({ body: { email, password } }));
if ('mfaRequired' in tokens) throw new Error('this account has a second factor on: finish with loginMfa'); // capability: mfa
// Bearer transport: every operation that needs a token gets `Authorization: Bearer <accessToken>`.
client.setConfig({ auth: () => tokens.accessToken });
const me = ok('getMe', await getMe());

// Refused: a wrong password. The error is typed as the API's Problem.
const wrong = await login({ body: { email, password: 'not the password' } });
const wrongProblem: Problem | undefined = wrong.error;

// capability: posts
const created = await createPost({ body: { title: 'Hello from TypeScript', body: 'Typed end to end.', tags: ['ts'] } });
const post = ok('createPost', created);
const etag = created.response.headers.get('ETag') ?? '';

const page = ok('listMyPosts', await listMyPosts({ query: { perPage: 10 } }));
// One of two page shapes: a numbered page carries `total`, a cursor page (asked with `cursor`) does not.
const listedTotal = 'total' in page ? page.total : null;

const changed = ok(
  'updatePost',
  await updatePost({ path: { postId: post.id }, body: { title: 'Changed' }, headers: { 'If-Match': etag } }),
);

// Refused: If-Match still names the first version. The error is typed as the API's Problem.
const refused = await updatePost({ path: { postId: post.id }, body: { title: 'Lost' }, headers: { 'If-Match': etag } });
const problem: Problem | undefined = refused.error;

const deleted = await deletePost({ path: { postId: post.id } });
const gone = await getPost({ path: { postId: post.id } });
// end capability: posts

console.log(
  JSON.stringify({
    signedUp: { email: account.email, emailVerified: account.emailVerified },
    tokenType: tokens.tokenType,
    me: me.email,
    wrongPassword: { status: wrong.response.status, problem: wrongProblem },
    // capability: posts
    created: { id: post.id, version: post.version, status: post.status, etag },
    listed: { ids: page.items.map((item) => item.id), total: listedTotal },
    changed: { title: changed.title, version: changed.version },
    refused: {
      status: refused.response.status,
      problem,
      requestIdHeader: refused.response.headers.get('X-Request-ID'),
    },
    deleted: { status: deleted.response.status, contentType: deleted.response.headers.get('Content-Type') },
    gone: { status: gone.response.status, title: gone.error?.title },
    // end capability: posts
  }),
);
