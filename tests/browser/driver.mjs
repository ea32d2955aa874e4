// One headless Chromium (Debian's /usr/bin/chromium, never a downloaded one) driven by
// puppeteer-core for the Rust browser tests (tests/it/inbox_browser.rs). It reads one JSON
// command a line on stdin and answers each with one JSON line on stdout, in order:
//
//   {"op":"open", "locale":"sv", "dark":true, "width":320, "axe":true,
//    "cookies":[{"name":"pf_session","value":"…","url":"http://127.0.0.1:PORT"}]}
//        a new tab in a fresh incognito context (no cookies but these); Accept-Language and
//        the browser's language from `locale`, prefers-color-scheme from `dark`; with `axe`
//        the tab bypasses the page's Content-Security-Policy so that axe-core can be injected
//        (the page's own header is not changed)
//   {"op":"goto", "url":"…"}                 → {"status":200, "url":"…"}
//   {"op":"axe"}                             → {"violations":["rule (impact): help at targets", …]}
//   {"op":"press", "key":"Tab"}               → {}; with "navigates":true, waits for the page that
//                                              follows → {"status":…, "url":"…"}
//   {"op":"click", "selector":"…"}           clicks what leads to another page → {"status":…, "url":"…"}
//   {"op":"type", "text":"…"}                → {}
//   {"op":"focused"}                          → the focused element: tag, id, name, text, href,
//                                              value, outline (computed style, width, colour)
//   {"op":"text", "selector":"main"}          → {"text": innerText of the first match, or null}
//   {"op":"eval", "js":"expression"}          → {"value": …} (the expression's JSON value)
//   {"op":"screenshot", "path":"…", "full":true, "height":900} → {}
//   {"op":"signin", "login":"u-anna", "password":"…"}  fills the OpenID provider's form and
//                                              submits it → {"status":…, "url":"…"} where it ends
//   {"op":"close"}                            closes the tab
//
// A failure of a command is answered {"error":"…"} and the driver goes on. End of input ends
// the browser. Every answer carries the command's "op".
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const AXE = readFileSync(path.join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const TIMEOUT = 30_000;

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--hide-scrollbars', '--font-render-hinting=none',
  ],
});

let context = null;
let page = null;

async function open(cmd) {
  if (context) await context.close();
  context = await browser.createBrowserContext();
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  if (cmd.axe) await page.setBypassCSP(true);
  const width = cmd.width || 1280;
  await page.setViewport({ width, height: cmd.height || 900 });
  if (cmd.locale) {
    const primary = cmd.locale.split('-')[0];
    await page.setExtraHTTPHeaders({ 'Accept-Language': `${cmd.locale},${primary};q=0.9` });
    const cdp = await page.createCDPSession();
    await cdp.send('Emulation.setLocaleOverride', { locale: cmd.locale });
  }
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: cmd.dark ? 'dark' : 'light' }]);
  for (const c of cmd.cookies || []) {
    await context.setCookie({ httpOnly: true, sameSite: 'Lax', path: '/', ...c });
  }
  return {};
}

function where(response) {
  return { status: response ? response.status() : null, url: page.url() };
}

async function axe() {
  const injected = await page.evaluate(() => typeof window.axe);
  if (injected !== 'object') await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, AXE_TAGS);
  return { violations: found };
}

async function focused() {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { tag: 'body' };
    const s = getComputedStyle(e);
    return {
      tag: e.tagName.toLowerCase(),
      id: e.id || null,
      name: e.getAttribute('name'),
      type: e.getAttribute('type'),
      text: (e.innerText || '').trim().slice(0, 200),
      href: e.getAttribute('href'),
      value: 'value' in e ? e.value : null,
      form: e.form ? e.form.getAttribute('action') : null,
      focus_visible: e.matches(':focus-visible'),
      outline: { style: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0, color: s.outlineColor },
    };
  });
}

async function run(cmd) {
  switch (cmd.op) {
    case 'open':
      return open(cmd);
    case 'goto':
      return where(await page.goto(cmd.url, { waitUntil: 'load' }));
    case 'axe':
      return axe();
    case 'press':
      if (cmd.navigates) {
        const [response] = await Promise.all([
          page.waitForNavigation({ waitUntil: 'load' }),
          page.keyboard.press(cmd.key),
        ]);
        return where(response);
      }
      await page.keyboard.press(cmd.key);
      return {};
    case 'click': {
      const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.click(cmd.selector),
      ]);
      return where(response);
    }
    case 'type':
      await page.keyboard.type(cmd.text);
      return {};
    case 'focused':
      return focused();
    case 'text':
      return { text: await page.$eval(cmd.selector, (e) => e.innerText).catch(() => null) };
    case 'eval':
      return { value: await page.evaluate(cmd.js) };
    case 'screenshot':
      if (cmd.height) await page.setViewport({ width: page.viewport().width, height: cmd.height });
      await page.screenshot({ path: cmd.path, fullPage: !!cmd.full });
      return {};
    case 'signin': {
      await page.waitForSelector('#login');
      await page.type('#login', cmd.login);
      await page.type('#password', cmd.password);
      // The provider redirects through itself to the client's callback, which redirects on.
      const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.click('button[type="submit"]'),
      ]);
      return where(response);
    }
    case 'close':
      if (context) await context.close();
      context = null;
      page = null;
      return {};
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let cmd = {};
  let answer;
  try {
    cmd = JSON.parse(line);
    answer = await run(cmd);
  } catch (e) {
    answer = { error: String(e && e.stack ? e.stack : e) };
  }
  process.stdout.write(JSON.stringify({ op: cmd.op, ...answer }) + '\n');
}
await browser.close();
