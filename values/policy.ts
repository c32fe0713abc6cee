/**
 * `policy`: waivers of the policy pack's rules (see `src/checks/policy.ts`). A waiver names the rule, the object and
 * why the object may break the rule; synth and validate list every waiver they apply, and report a waiver that no
 * longer matches a failure.
 */
import { z } from 'zod';

/** The rules of the policy pack, by id. Schema validation and the secret checks cannot be waived. */
export const POLICY_RULES = [
  'resources',
  'image-tag',
  'probes',
  'privilege-escalation',
  'run-as-non-root',
  'read-only-root-fs',
  'host-path',
  'rbac-wildcards',
  'rbac-bindings',
  'autoscaler-replicas',
] as const;
export type PolicyRule = (typeof POLICY_RULES)[number];

/**
 * The annotation prefix of what a construct declares about its workload (`constructs/shared/declarations.ts`): a declaration
 * lifts a rule, so the environment's own annotations may not carry it.
 */
export const DECLARATION_PREFIX = 'policy.rucio-gitops/';

/** `Kind/name`, where the name may hold `*` wildcards (`Deployment/daemonint-*`). */
export const OBJECT_PATTERN = /^[A-Z][A-Za-z0-9]*\/[-a-z0-9.*]+$/;

export const waiverSchema = z.strictObject({
  /** The rule waived. */
  rule: z.enum(POLICY_RULES),
  /** The object, as `Kind/name`; `*` in the name matches any characters. */
  object: z
    .string()
    .regex(
      OBJECT_PATTERN,
      'expected Kind/name, e.g. Deployment/daemonint-rucio-daemons-reaper (the name may use * as a wildcard)',
    ),
  /** Why the object may break the rule: read by reviewers, printed by synth. */
  reason: z.string().trim().min(10, 'give a reason a reviewer can check (at least 10 characters)'),
});
export type Waiver = z.infer<typeof waiverSchema>;

export const policySchema = z.strictObject({
  waivers: z.array(waiverSchema).default([]),
});
export type PolicyValues = z.infer<typeof policySchema>;
