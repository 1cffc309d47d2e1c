// Generates the committed GitHub stand-in seed, tools/adk/demo-data/github/issues.json.
// Deterministic: every date is an offset from one fixed reference date, so triage results
// ("stale after 60 days") never change with the calendar. Run: node tools/demo-servers/seeds/githubSeed.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const referenceDate = '2026-01-15T12:00:00Z';
const ref = Date.parse(referenceDate);
const daysAgo = (days, hour = 0) => new Date(ref - days * 86_400_000 - hour * 3_600_000).toISOString().replace('.000Z', 'Z');

const labels = [
  ['bug', 'd73a4a', "Something isn't working"],
  ['enhancement', 'a2eeef', 'New feature or request'],
  ['documentation', '0075ca', 'Improvements or additions to documentation'],
  ['question', 'd876e3', 'Further information is requested'],
  ['duplicate', 'cfd3d7', 'This issue or pull request already exists'],
  ['good first issue', '7057ff', 'Good for newcomers'],
  ['help wanted', '008672', 'Extra attention is needed'],
  ['performance', 'fbca04', 'Slow pages, slow queries, high memory'],
  ['security', 'b60205', 'Security-relevant problem'],
  ['ui', 'c5def5', 'Storefront and admin user interface'],
  ['api', '1d76db', 'REST and webhook API'],
  ['needs-triage', 'ededed', 'Not looked at yet'],
  ['stale', 'eeeeee', 'No activity for a long time'],
].map(([name, color, description]) => ({ name, color, description }));

const users = ['amara-okafor', 'liam-chen', 'sofia-rossi', 'kenji-watanabe', 'priya-nair', 'lucas-martin', 'hannah-schmidt', 'diego-alvarez'];

// [title, body, state, labels, created days ago, updated days ago, author index, comment count, assignees]
const rows = [
  ['Checkout button does nothing on Safari 17', 'Clicking "Place order" on Safari 17.2 (macOS) does nothing. No network request is sent. Console shows `TypeError: undefined is not a function` in checkout.js:212. Chrome and Firefox work.', 'open', ['bug', 'ui'], 3, 1, 0, 2, ['liam-chen']],
  ['Checkout button not working in Safari', 'Same as others have reported? On Safari the checkout button is dead, I cannot buy anything. iPhone 15, iOS 17.2.', 'open', [], 2, 2, 4, 0, []],
  ['Safari: checkout button unresponsive', 'Our QA found the checkout button unresponsive on Safari 17 desktop. Steps: add any product, open the cart, press Checkout. Nothing happens.', 'open', ['needs-triage'], 1, 1, 6, 0, []],
  ['Product images load slowly on category pages', 'Category pages with 48 products take 6-8 s to show images on a 20 Mbit connection. Images are served at full 3000px resolution and then scaled down in CSS.', 'open', ['performance'], 40, 12, 1, 3, []],
  ['Category page images are slow to load', 'Images on /c/shoes are very slow, the page jumps around while they arrive. Can we lazy-load and serve thumbnails?', 'open', [], 9, 9, 3, 1, []],
  ['Add Apple Pay to checkout', 'Customers ask for Apple Pay. Stripe supports it through the Payment Request Button. We need a domain verification file and a feature flag.', 'open', ['enhancement'], 120, 95, 2, 5, []],
  ['Support Apple Pay at checkout', 'Would be great to pay with Apple Pay on mobile.', 'open', ['enhancement'], 30, 30, 5, 0, []],
  ['Password reset email never arrives', 'Users report the password reset email never arrives. The mail log shows `550 5.7.1` rejections from Outlook since we moved to the new sending domain; SPF record looks wrong.', 'open', ['bug', 'security'], 6, 0, 7, 4, ['sofia-rossi']],
  ['Reset password mail not received', 'I asked for a password reset three times, no email (hotmail address). Spam folder is empty.', 'open', [], 4, 4, 0, 0, []],
  ['Document the webhook signature verification', 'The webhook docs do not say how to verify the `X-Storefront-Signature` header. Please add an example in Node and Python with the HMAC-SHA256 steps.', 'open', ['documentation', 'api'], 75, 70, 3, 1, []],
  ['Typo in README installation section', 'README says `npm run devlop`; it should be `npm run develop`.', 'open', ['documentation', 'good first issue'], 200, 190, 5, 0, []],
  ['Admin order list crashes with more than 10k orders', 'Opening Admin > Orders with 12,400 orders makes the page hang and the tab crash. The endpoint returns all orders without pagination (45 MB JSON).', 'open', ['bug', 'performance', 'api'], 15, 5, 1, 6, ['kenji-watanabe']],
  ['Order export to CSV times out', 'Exporting orders for the last quarter times out after 30 s with a 504.', 'open', ['performance'], 65, 64, 2, 1, []],
  ['Dark mode for the admin panel', 'Many of us work late; a dark theme for the admin would be nice.', 'open', ['enhancement', 'ui'], 300, 250, 6, 7, []],
  ['How do I configure multiple currencies?', 'Is it possible to show prices in EUR and GBP at the same time? The docs only mention a single `currency` setting.', 'open', ['question'], 85, 80, 4, 2, []],
  ['Multi-currency pricing support', 'Sell in EUR, GBP and USD with per-currency price lists and rounding rules, chosen by the shopper\'s country.', 'open', ['enhancement'], 150, 100, 7, 4, []],
  ['Session cookie missing Secure flag', 'The `sf_session` cookie is set without `Secure` and without `SameSite`. It should be `Secure; HttpOnly; SameSite=Lax`.', 'open', ['security'], 8, 7, 3, 1, ['sofia-rossi']],
  ['Search returns no results for accented words', 'Searching for "crème" finds nothing while "creme" finds the product. The search index should fold accents.', 'open', ['bug'], 95, 94, 5, 0, []],
  ['Search ignores accents (é, ü, ñ)', 'Product search does not match "müsli" against "musli". Probably the same root cause as the accented words issue.', 'open', [], 20, 20, 6, 0, []],
  ['Rate limit the login endpoint', 'POST /api/login accepts unlimited attempts. Add a per-IP and per-account limit with exponential backoff.', 'open', ['security', 'api', 'help wanted'], 45, 44, 0, 2, []],
  ['Flaky test: cart total rounding', '`cart.test.ts > rounds totals` fails about once in twenty CI runs, probably floating point in the tax calculation.', 'open', ['bug'], 110, 108, 1, 1, []],
  ['Upgrade Node to 22 in the Docker image', 'The image still uses node:18-alpine, which is end of life. Move to node:22-alpine and re-run the test suite.', 'open', [], 12, 11, 2, 0, []],
  ['Wishlist button overlaps price on mobile', 'On screens under 380px wide the heart icon covers the price on product cards.', 'open', ['ui', 'good first issue'], 33, 33, 4, 0, []],
  ['Add GraphQL API', 'A GraphQL endpoint would make the headless storefront easier to build.', 'open', ['enhancement', 'api'], 400, 380, 7, 9, []],
  ['Inventory count goes negative under concurrent orders', 'Two orders for the last item placed within ~50 ms both succeed and the stock becomes -1. We need a row lock or a conditional update.', 'open', ['bug', 'api'], 18, 3, 1, 3, ['kenji-watanabe']],
  ['Shipping estimate shows wrong date on weekends', 'On Saturdays the estimate counts Saturday and Sunday as working days.', 'open', ['bug'], 70, 68, 6, 1, []],
  ['Allow guests to track orders without an account', 'Guests should get an order tracking link by email.', 'open', [], 5, 5, 0, 0, []],
  ['Translate storefront into Japanese', 'We have a partner in Osaka who will provide translations if we externalise the remaining hard-coded strings.', 'open', ['enhancement', 'help wanted'], 130, 125, 3, 2, []],
  ['Memory leak in the image resize worker', 'RSS of the resize worker grows ~40 MB per hour until it is OOM-killed. Heap snapshots point at the sharp pipeline not being destroyed.', 'open', ['bug', 'performance'], 25, 22, 2, 2, []],
  ['Coupon codes are case sensitive', '"SUMMER10" works, "summer10" says invalid. Codes should be case-insensitive.', 'open', [], 0, 0, 5, 0, []],
  // closed issues
  ['Checkout fails with 500 when the cart is empty', 'Fixed in #212: we now redirect to the cart page.', 'closed', ['bug'], 60, 50, 0, 2, []],
  ['Product images load slowly', 'Closed as duplicate of the category page image issue.', 'closed', ['duplicate', 'performance'], 38, 37, 4, 1, []],
  ['Add PayPal to checkout', 'Shipped in 2.3.0.', 'closed', ['enhancement'], 210, 160, 2, 6, []],
  ['Broken link to the API reference in the footer', 'The footer linked to /docs/api-v1, which no longer exists.', 'closed', ['documentation', 'good first issue'], 90, 88, 6, 1, []],
  ['XSS in product review text', 'Review text was rendered with innerHTML. Fixed by escaping and a CSP header.', 'closed', ['security', 'bug'], 140, 135, 3, 4, []],
  ['Upgrade to React 19', 'Done in #340.', 'closed', [], 100, 80, 1, 3, []],
  ['Sitemap is missing category pages', 'Categories are now included in sitemap.xml.', 'closed', ['bug'], 55, 52, 7, 0, []],
  ['Can I self-host the storefront?', 'Answered: yes, see docs/self-hosting.md.', 'closed', ['question'], 180, 175, 5, 2, []],
  ['Newsletter signup shows success on failure', 'The form showed "Thanks!" even when the API returned 422.', 'closed', ['bug', 'ui'], 28, 26, 0, 1, []],
  ['Drop support for Internet Explorer 11', 'Closed as not planned; IE11 was already unsupported.', 'closed', [], 500, 480, 7, 3, []],
];

const owner = 'magsag-demo';
const name = 'storefront';
let commentId = 900_000;
const issues = rows.map(([title, body, state, issueLabels, created, updated, author, commentCount, assignees], index) => {
  const number = index + 1;
  const comments = Array.from({ length: commentCount }, (_, i) => {
    const at = daysAgo(Math.max(updated, created - Math.round(((created - updated) * (i + 1)) / (commentCount + 1))), i + 1);
    return {
      id: ++commentId,
      user: users[(author + i + 1) % users.length],
      body: i === 0 ? 'I can reproduce this on the latest release.' : `Follow-up ${i}: any update on this?`,
      created_at: at,
      updated_at: at,
    };
  });
  const closed = state === 'closed';
  return {
    number,
    title,
    body,
    state,
    state_reason: closed ? (issueLabels.includes('duplicate') ? 'duplicate' : title.includes('Internet Explorer') ? 'not_planned' : 'completed') : null,
    user: users[author],
    labels: issueLabels,
    assignees,
    comments,
    created_at: daysAgo(created, 10),
    updated_at: daysAgo(updated, 9),
    closed_at: closed ? daysAgo(updated, 9) : null,
  };
});

const data = {
  description: 'Seed for the GitHub stand-in MCP server (tools/demo-servers/github). Dates are relative to referenceDate.',
  referenceDate,
  repositories: [{ owner, name, id: 700_001, labels, issues }],
};
const out = path.resolve(import.meta.dirname, '../../adk/demo-data/github/issues.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
console.log(`wrote ${out}: ${issues.length} issues`);
