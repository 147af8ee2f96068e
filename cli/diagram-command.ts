import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { renderEnvironment } from '../charts/synth.js';
import { loadValues } from '../charts/values/load.js';
import { ENVIRONMENTS, type EnvironmentName } from '../charts/values/schema.js';
import { renderSvg } from './diagram/render-svg.js';
import { renderHtml, renderMermaid } from './diagram/render-text.js';
import { type StackModel, stackModel } from './diagram/stack-model.js';
import { parseEnvironments } from './synth.js';

export interface DiagramCommandOptions {
  /** Environments drawn together. @default every environment (the whole cluster) */
  readonly environments?: readonly string[];
  readonly valuesFile?: string;
  /** `.svg`, `.html` or `.mmd`; the format follows the extension. @default Mermaid on stdout */
  readonly out?: string;
}

const FORMATS = {
  '.svg': renderSvg,
  '.html': renderHtml,
  '.mmd': renderMermaid,
} as const;

/** The model of the chosen environments' synthesized objects, drawn together (one cluster). */
export function diagramModel(options: Pick<DiagramCommandOptions, 'environments' | 'valuesFile'>): StackModel {
  const chosen: EnvironmentName[] =
    options.environments && options.environments.length > 0
      ? parseEnvironments(options.environments)
      : [...ENVIRONMENTS];
  const values = chosen.map((environment) =>
    loadValues({ environment, ...(options.valuesFile ? { file: options.valuesFile } : {}) }),
  );
  const controllers = [...new Set(values.map((v) => v.web.ingress.controllerNamespace))];
  if (controllers.length > 1)
    throw new Error(
      `diagram: the environments name different ingress controller namespaces (${controllers.join(', ')})`,
    );
  const objects = values.flatMap((v) => renderEnvironment(v).flatMap((f) => [...f.objects]));
  return stackModel(objects, {
    title: `roleplane: ${values[0]!.site.name}, ${chosen.join(' + ')}`,
    ingressControllerNamespace: controllers[0]!,
  });
}

export function runDiagramCommand(options: DiagramCommandOptions): {
  stdout: string;
  stderr: string;
  exitCode: number;
} {
  const extension = options.out === undefined ? '.mmd' : extname(options.out);
  const render = FORMATS[extension as keyof typeof FORMATS];
  if (render === undefined)
    return {
      stdout: '',
      stderr: `roleplane: --out: the file must end in .svg, .html or .mmd (got "${options.out ?? ''}")\n`,
      exitCode: 2,
    };
  const text = render(diagramModel(options));
  if (options.out === undefined) return { stdout: text, stderr: '', exitCode: 0 };
  // Written beside the target and renamed: a failure leaves no half-written picture.
  mkdirSync(dirname(options.out), { recursive: true });
  const temporary = `${options.out}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, options.out);
  return { stdout: `wrote ${options.out}\n`, stderr: '', exitCode: 0 };
}
