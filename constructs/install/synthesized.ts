/** The objects a construct makes, synthesized in memory: for the install paths built from other constructs (OLM, Helm). */
import { App, Chart } from 'cdk8s';

export function synthesized<T>(chartId: string, build: (chart: Chart) => void): T[] {
  const chart = new Chart(new App(), chartId);
  build(chart);
  return chart.toJson() as T[];
}
