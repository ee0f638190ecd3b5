/**
 * A loopback OpenTelemetry collector: the OTLP/HTTP traces endpoint (JSON encoding, as
 * @opentelemetry/exporter-trace-otlp-http sends it), keeping every span it is sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  service: string;
  /** Epoch milliseconds. */
  startMs: number;
  endMs: number;
}

export interface OtlpCollector {
  /** The base URL: OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  close(): Promise<void>;
}

type Attribute = { key: string; value: { stringValue?: string } };
interface ExportRequest {
  resourceSpans: Array<{
    resource: { attributes: Attribute[] };
    scopeSpans: Array<{
      spans: Array<{
        name: string;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
      }>;
    }>;
  }>;
}

const ms = (nanos: string | number) => Number(BigInt(nanos) / 1000n) / 1000;

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      let parsed: ExportRequest;
      try {
        parsed = JSON.parse(body) as ExportRequest;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end('{"message":"not JSON"}');
      }
      for (const rs of parsed.resourceSpans ?? []) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans)
            spans.push({
              name: s.name,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              service,
              startMs: ms(s.startTimeUnixNano),
              endMs: ms(s.endTimeUnixNano),
            });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
