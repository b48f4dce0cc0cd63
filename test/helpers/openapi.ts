/**
 * Checks answers against the API's own OpenAPI document (GET /openapi.json): the
 * response schema documented for the route, status and content type, compiled with
 * Ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses). Tests that turn it on fail on any
 * answer the document does not describe.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Json = Record<string, any>;

export class ResponseValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly routes: { method: string; template: string; regex: RegExp }[];
  readonly violations: string[] = [];
  /** Route keys (METHOD /template) whose answers were checked. */
  readonly checked = new Set<string>();

  constructor(private readonly doc: Json) {
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.ajv);
    this.ajv.addSchema(doc, 'openapi.json');
    this.routes = Object.entries(doc.paths as Json).flatMap(([template, item]) =>
      Object.keys(item).map((method) => ({ method: method.toUpperCase(), template, regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`) })),
    );
  }

  /** Checks one answer; returns the problem (also kept in `violations`), or null. */
  check(method: string, url: string, status: number, contentType: string | null, body: unknown): string | null {
    const path = new URL(url, 'http://x').pathname;
    const route = this.routes.find((r) => r.method === method && r.regex.test(path));
    if (!route) return null; // not an API route (local token issuer, sandbox extras)
    const key = `${method} ${route.template}`;
    this.checked.add(key);
    const responses = (this.doc.paths[route.template][method.toLowerCase()].responses ?? {}) as Json;
    const answer = responses[String(status)];
    const fail = (why: string) => {
      const problem = `${key} -> ${status}: ${why}`;
      this.violations.push(problem);
      return problem;
    };
    if (!answer) return fail('status not documented');
    if (!answer.content) return body === null || body === '' ? null : fail('a body where none is documented');
    const type = (contentType ?? '').split(';')[0]!.trim();
    const media = answer.content[type] ? type : answer.content['*/*'] ? '*/*' : null;
    if (!media) return fail(`content type ${type} not documented (${Object.keys(answer.content).join(', ')})`);
    const pointer = `openapi.json#/paths/${route.template.replace(/~/g, '~0').replace(/\//g, '~1')}/${method.toLowerCase()}/responses/${status}/content/${media.replace(/~/g, '~0').replace(/\//g, '~1')}/schema`;
    const validate = this.ajv.getSchema(pointer) ?? this.ajv.compile({ $ref: pointer });
    if (!validate(body)) return fail(this.ajv.errorsText(validate.errors, { dataVar: 'body' }));
    return null;
  }
}
