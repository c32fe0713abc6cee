/**
 * Validation against a CRD's OpenAPI schema copied into the repository (`flux-crds.ts`), with ajv, the way the API
 * server reads a structural schema: a field the schema does not declare is unknown (the server would prune it), except
 * below `x-kubernetes-preserve-unknown-fields`. Two keywords of our own: `x-kubernetes-validations` checks each CEL rule
 * this module knows (a rule it does not know fails the compilation, so a copied rule is never silently skipped), and
 * `x-rucio-gitops-trimmed` fails on a field whose schema was not copied.
 *
 * ajv is imported on first use: a synth that writes no such object never loads it.
 */
import type { CrdSchema } from './flux-crds.js';

/** An ajv error, as the schema check reads it. */
export interface CrdError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
  /** The schema object holding the keyword that failed (ajv's `verbose`). */
  readonly parentSchema?: CrdSchema;
}

/** Validates one object; returns its errors (none when it is valid). */
export type CrdValidate = (data: unknown) => readonly CrdError[];

/** The CEL rules of `x-kubernetes-validations` this check implements, by their text in the CRD. */
const CEL_RULES: Readonly<Record<string, (self: Record<string, unknown>) => boolean>> = {
  '(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))': (self) =>
    Object.hasOwn(self, 'chart') !== Object.hasOwn(self, 'chartRef'),
};

/** The schema with `additionalProperties: false` on every object that declares its properties. */
function structural(schema: CrdSchema): Record<string, unknown> {
  const out: Record<string, unknown> = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, structural(v)]));
    if (schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields'])
      out.additionalProperties = false;
  }
  if (schema.additionalProperties) out.additionalProperties = structural(schema.additionalProperties);
  if (schema.items) out.items = structural(schema.items);
  return out;
}

interface AjvInstance {
  addKeyword(definition: Record<string, unknown>): unknown;
  compile(schema: unknown): ((data: unknown) => boolean) & { errors?: CrdError[] | null };
}

let ajv: Promise<AjvInstance> | undefined;

async function instance(): Promise<AjvInstance> {
  ajv ??= import('ajv').then((mod) => {
    const Ajv = (mod as unknown as { default: new (options: Record<string, unknown>) => AjvInstance }).default;
    const a = new Ajv({ allErrors: true, strict: true, verbose: true });
    a.addKeyword({ keyword: 'x-kubernetes-preserve-unknown-fields', schemaType: 'boolean' });
    // A field whose schema was not copied: always an error where it appears.
    a.addKeyword({ keyword: 'x-rucio-gitops-trimmed', schemaType: 'boolean', errors: false, validate: () => false });
    a.addKeyword({
      keyword: 'x-kubernetes-validations',
      type: 'object',
      schemaType: 'array',
      errors: true,
      compile(rules: readonly { rule: string; message: string }[]) {
        const checks = rules.map((r) => {
          const check = CEL_RULES[r.rule];
          if (!check)
            throw new Error(`x-kubernetes-validations: no implementation of the rule ${JSON.stringify(r.rule)}`);
          return { check, message: r.message };
        });
        const validate = (data: Record<string, unknown>): boolean => {
          const failed = checks.filter((c) => !c.check(data));
          validate.errors = failed.map((c) => ({
            keyword: 'x-kubernetes-validations',
            params: {},
            message: c.message,
          }));
          return failed.length === 0;
        };
        validate.errors = [] as unknown[];
        return validate;
      },
    });
    return a;
  });
  return ajv;
}

/** Compiles a copied CRD schema into a validator. */
export async function compileCrd(schema: CrdSchema): Promise<CrdValidate> {
  const validate = (await instance()).compile(structural(schema));
  return (data) => (validate(data) ? [] : [...(validate.errors ?? [])]);
}
