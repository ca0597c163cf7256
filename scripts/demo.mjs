// Quick-start demo: walks one customer through registration, e-mail
// verification and the welcome e-mail, printing the events that flowed.
// Run by scripts/up.sh next to the four apps; plain Node 20, no dependencies.
import { randomBytes } from 'node:crypto';

const USERS = process.env.USER_SERVICE_URL ?? 'http://127.0.0.1:3001';
const NOTIFICATIONS =
  process.env.NOTIFICATION_SERVICE_URL ?? 'http://127.0.0.1:3004';
const SERVICES = {
  'user-service': USERS,
  'booking-service': 'http://127.0.0.1:3002',
  'scheduler-service': 'http://127.0.0.1:3003',
  'notification-service': NOTIFICATIONS,
};
const STEP_TIMEOUT_MS = 30_000;
// The first start creates the embedded databases, so allow it longer.
const STARTUP_TIMEOUT_MS = 90_000;

const { ADMIN_EMAIL, ADMIN_PASSWORD } = process.env;
const stamp = Date.now();
const correlationId = `demo-${stamp}`;
const email = `customer-${stamp}@example.com`;
const password = `Demo-${randomBytes(9).toString('base64url')}1`;

/** JSON request; never throws on HTTP errors, the caller checks `status`. */
async function call(method, url, { body, token } = {}) {
  const response = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      'x-correlation-id': correlationId,
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: response.status, body: json };
}

/** Polls `fn` until it returns something truthy, or fails the demo. */
async function waitFor(what, fn, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  fail(`${what} did not happen within ${timeoutMs / 1000} s (${last})`);
}

function fail(message) {
  console.error(`✗ ${message}`);
  process.exit(1);
}

function expectStatus(step, response, ...expected) {
  if (!expected.includes(response.status)) {
    fail(`${step}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

async function notification(token, template) {
  const url = `${NOTIFICATIONS}/notifications?to=${encodeURIComponent(email)}`;
  const { status, body } = await call('GET', url, { token });
  if (status !== 200) throw new Error(`GET /notifications: HTTP ${status}`);
  return body.items.find((item) => item.template === template);
}

/** The one-time token in the verification e-mail (link param, hex or base64url). */
function extractToken(text) {
  const match =
    /[?&]token=([A-Za-z0-9_-]+)/.exec(text) ??
    /\b([a-f0-9]{64})\b/i.exec(text) ??
    /\b([A-Za-z0-9_-]{32,})\b/.exec(text);
  return match?.[1];
}

if (!ADMIN_EMAIL || !ADMIN_PASSWORD) {
  fail('set ADMIN_EMAIL and ADMIN_PASSWORD (scripts/up.sh does)');
}

console.log(`Waiting for the four services (correlation id ${correlationId})`);
for (const [name, url] of Object.entries(SERVICES)) {
  await waitFor(
    `${name} healthy (GET ${url}/health = 200)`,
    async () => (await call('GET', `${url}/health`)).status === 200,
    STARTUP_TIMEOUT_MS,
  );
}
console.log('✓ all services healthy');

const registered = await call('POST', `${USERS}/users`, {
  body: { email, password, name: 'Demo Customer', role: 'customer' },
});
const user = expectStatus('POST /users', registered, 201);
console.log(`✓ registered ${email} (user ${user.id})`);

const login = await call('POST', `${USERS}/auth/login`, {
  body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
});
if (login.status === 401) {
  fail(
    `admin login refused: ${ADMIN_EMAIL} was created on an earlier start with another ADMIN_PASSWORD (remove .data/ to start afresh)`,
  );
}
const { accessToken: admin } = expectStatus('admin login', login, 200);
console.log(`✓ logged in as ${ADMIN_EMAIL}`);

const verifyMail = await waitFor('the verify-email notification', () =>
  notification(admin, 'verify-email'),
);
console.log(
  `✓ verify-email recorded: "${verifyMail.subject}"\n${verifyMail.body}`,
);

const token = extractToken(verifyMail.body);
if (!token) fail('no verification token found in the e-mail body');
const verified = await call('POST', `${USERS}/users/verify`, {
  body: { token },
});
expectStatus('POST /users/verify', verified, 200, 201, 204);
console.log('✓ e-mail verified');

const welcome = await waitFor('the welcome notification', () =>
  notification(admin, 'welcome'),
);
console.log(`✓ welcome recorded: "${welcome.subject}"`);

const history = await call(
  'GET',
  `${USERS}/api/events/history?correlationId=${correlationId}`,
  { token: admin },
);
if (history.status === 200) {
  console.log(`Events with correlation id ${correlationId}:`);
  for (const event of history.body.items ?? []) {
    console.log(`  ${event.time}  ${event.type}  from ${event.source}`);
  }
}
console.log('Demo done. The services keep running: Ctrl-C stops them.');
