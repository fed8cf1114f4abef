/** Prometheus metrics of the agent, in the text exposition format. */
export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly histograms = new Map<string, { buckets: number[]; counts: number[]; sum: number; count: number }>();
  private readonly gauges = new Map<string, () => number | [Record<string, string>, number][]>();
  private readonly help = new Map<string, [string, string]>();

  counter(name: string, help: string): void { this.help.set(name, ['counter', help]); }
  /** A gauge read when scraped: one value, or one value per label set. */
  gauge(name: string, help: string, read: () => number | [Record<string, string>, number][]): void { this.help.set(name, ['gauge', help]); this.gauges.set(name, read); }
  /** A counter kept elsewhere (the process' CPU time), read when scraped. */
  counterFrom(name: string, help: string, read: () => number): void { this.help.set(name, ['counter', help]); this.gauges.set(name, read); }
  histogram(name: string, help: string, buckets: number[]): void {
    this.help.set(name, ['histogram', help]);
    this.histograms.set(name, { buckets, counts: buckets.map(() => 0), sum: 0, count: 0 });
  }

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const k = series(name, labels);
    this.counters.set(k, (this.counters.get(k) ?? 0) + by);
  }

  observe(name: string, value: number): void {
    const h = this.histograms.get(name);
    if (!h) throw new Error(`no histogram ${name}`);
    h.buckets.forEach((b, i) => { if (value <= b) h.counts[i]++; });
    h.sum += value;
    h.count++;
  }

  value(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(series(name, labels)) ?? 0;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, [type, help]] of this.help) {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      if (this.gauges.has(name)) {
        const v = this.gauges.get(name)!();
        out.push(...(typeof v === 'number' ? [`${name} ${v}`] : v.map(([labels, x]) => `${series(name, labels)} ${x}`)));
      } else if (type === 'counter') {
        const series = [...this.counters].filter(([k]) => k === name || k.startsWith(`${name}{`));
        // A counter nothing has incremented yet still exists, at 0: dashboards and rate() need the series.
        out.push(...(series.length ? series.map(([k, v]) => `${k} ${v}`) : [`${name} 0`]));
      } else {
        const h = this.histograms.get(name)!;
        h.buckets.forEach((b, i) => out.push(`${name}_bucket{le="${b}"} ${h.counts[i]}`));
        out.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}

/** The standard process metrics (the names of Prometheus' client libraries), so a process' memory target is observable in production. */
export function addProcessMetrics(m: Metrics, processName: string): void {
  m.gauge('process_resident_memory_bytes', `Resident memory of the ${processName} process.`, () => process.memoryUsage.rss());
  m.counterFrom('process_cpu_seconds_total', `CPU time of the ${processName} process (user and system).`, () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; });
  const startedAt = Math.round(Date.now() / 1000 - process.uptime());
  m.gauge('process_start_time_seconds', `When the ${processName} process started (Unix time).`, () => startedAt);
  m.gauge('nodejs_heap_size_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed);
  m.gauge('nodejs_heap_size_total_bytes', 'V8 heap reserved.', () => process.memoryUsage().heapTotal);
}

function series(name: string, labels: Record<string, string>): string {
  const l = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`);
  return l.length ? `${name}{${l.join(',')}}` : name;
}
