/**
 * The one Handlebars setup for message templates (templates/*.yaml for crisis communications,
 * templates/salesforce/ for Cases, Chatter posts and letters): the same helpers everywhere, so a
 * template author learns them once. The status page's HTML pages keep their own (status-page/pages.ts).
 */
import Handlebars from 'handlebars';
import { DateTime } from 'luxon';

export const templateEngine = Handlebars.create();

templateEngine.registerHelper('upper', (s: unknown) => String(s ?? '').toUpperCase());
templateEngine.registerHelper('eq', (a: unknown, b: unknown) => a === b);
templateEngine.registerHelper('yesno', (b: unknown) => (b ? 'yes' : 'no'));
/** First argument that is not empty: `{{or incident.description "no details yet"}}`. */
templateEngine.registerHelper('or', (...args: unknown[]) =>
  args.slice(0, -1).find((a) => a !== null && a !== undefined && a !== ''),
);
/**
 * An ISO time in the zone given, else the recipient's (`recipient.timezone` of the context), else
 * UTC: `{{time incident.detectedAt}}`, `{{time incident.detectedAt "Europe/Paris"}}`.
 */
templateEngine.registerHelper('time', function (iso: unknown, ...rest: unknown[]) {
  const options = rest.at(-1) as Handlebars.HelperOptions;
  const root = options.data.root as { recipient?: { timezone?: string } } | undefined;
  const zone = rest.length > 1 ? String(rest[0]) : (root?.recipient?.timezone ?? 'UTC');
  return formatTime(String(iso), zone);
});

/** What `make` gave for each key, kept up to `keep` keys, then started afresh (keys rarely churn). */
function kept<V>(keep: number): (key: string, make: () => V) => V {
  const values = new Map<string, V>();
  return (key, make) => {
    let value = values.get(key);
    if (value === undefined) {
      if (values.size >= keep) values.clear();
      value = make();
      values.set(key, value);
    }
    return value;
  };
}

/**
 * Formatted times by zone and instant: a report prints every timeline entry's time, for each
 * recipient and part (text, HTML, SMS), and luxon took most of a report's rendering.
 */
const formattedTime = kept<string>(10_000);

function formatTime(iso: string, zone: string): string {
  return formattedTime(`${zone}\u0000${iso}`, () => {
    const t = DateTime.fromISO(iso, { zone });
    // Offsets rather than abbreviations: "CET"/"EST" depend on the locale, "UTC+1" never misleads.
    if (!t.isValid) return iso;
    return t.toFormat(t.offset === 0 ? "yyyy-LL-dd HH:mm 'UTC'" : "yyyy-LL-dd HH:mm 'UTC'Z");
  });
}

/**
 * Compiled templates by text: compiling took most of a message's CPU. Keyed by the text itself,
 * so an edited template (templates reload while running) compiles anew; bounded for that reason.
 */
const compiled = kept<HandlebarsTemplateDelegate>(1_000);

/** Renders one template text; `escape` for HTML parts. Unknown variables throw (strict). */
export function renderTemplate(text: string, context: object, escape: boolean): string {
  const template = compiled(`${escape ? 'html' : 'text'}\u0000${text}`, () =>
    templateEngine.compile(text, { strict: true, noEscape: !escape }),
  );
  return template(context).trim();
}
