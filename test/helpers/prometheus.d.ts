// Types of the dev-only Prometheus text parser used by the /metrics tests.
declare module 'parse-prometheus-text-format' {
  interface Family {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'HISTOGRAM' | 'UNTYPED';
    metrics: { labels?: Record<string, string>; value: string }[];
  }
  export default function parsePrometheusTextFormat(text: string): Family[];
}
