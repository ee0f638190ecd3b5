/** Output of a remediation for the timeline and the report: the start and the end, never megabytes. */

const HEAD = 1_024;
const TAIL = 3_072;

/** Keeps the first HEAD and the last TAIL characters of a stream, and counts what it dropped. */
export class CapturedOutput {
  private head = '';
  private tail = '';
  private dropped = 0;

  add(chunk: string): void {
    if (this.head.length < HEAD) {
      const room = HEAD - this.head.length;
      this.head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    this.tail += chunk;
    if (this.tail.length > TAIL) {
      this.dropped += this.tail.length - TAIL;
      this.tail = this.tail.slice(-TAIL);
    }
  }

  /** `secrets`: values that must not appear in what is kept (a hook echoing its token). */
  text(secrets: string[] = []): string {
    const middle = this.dropped ? `\n… [${this.dropped} characters omitted] …\n` : '';
    let text = this.head + middle + this.tail;
    for (const secret of secrets) if (secret.length >= 4) text = text.split(secret).join('[redacted]');
    return text;
  }
}

export function captured(text: string, secrets: string[] = []): string {
  const output = new CapturedOutput();
  output.add(text);
  return output.text(secrets);
}
