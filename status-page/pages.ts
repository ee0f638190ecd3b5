/**
 * HTML pages of the gateway (signed links, sign-in, the status page's shell), as Handlebars
 * files in status-page/pages/. Handlebars escapes every value, so alert titles and labels cannot
 * inject markup; only the rendered body goes into the layout unescaped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';

const DIR = join(__dirname, 'pages');
const hbs = Handlebars.create();
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');

hbs.registerPartial('incident', read('incident.hbs'));
hbs.registerHelper('or', (...args: unknown[]) =>
  args.slice(0, -1).find((a) => a !== null && a !== undefined && a !== ''),
);
/** `2026-11-26 03:30 UTC`: pages are read across time zones; UTC is unambiguous. */
hbs.registerHelper('time', (iso: unknown) => {
  const ms = Date.parse(String(iso));
  return Number.isNaN(ms)
    ? String(iso ?? '')
    : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
});

const layout = hbs.compile(read('layout.hbs'), { strict: false });
const pages = {
  'link-confirm': hbs.compile(read('link-confirm.hbs')),
  'link-result': hbs.compile(read('link-result.hbs')),
  login: hbs.compile(read('login.hbs')),
  unauthenticated: hbs.compile(read('unauthenticated.hbs')),
  status: hbs.compile(read('status.hbs')),
  evidence: hbs.compile(read('evidence.hbs')),
};
export type PageName = keyof typeof pages;

export interface PageFrame {
  title: string;
  /** Signed-in person, shown in the header. */
  person?: string;
  /** Offer "sign out" (token sessions), with the CSRF token its form needs. */
  logout?: boolean;
  csrf?: string;
  /** A module script of the page (same origin: the CSP allows nothing else). */
  script?: string;
}

export function renderPage(name: PageName, frame: PageFrame, data: object): string {
  return layout({ ...frame, body: pages[name]({ ...frame, ...data }) });
}

/** Static files the pages load (no build step): the stylesheet and the status page's script. */
export function asset(name: 'cockpit.css' | 'status.js'): string {
  return read(name);
}
