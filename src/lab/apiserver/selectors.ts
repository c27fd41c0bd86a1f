/**
 * Label selectors (the `labelSelector` query string and the structured LabelSelector of PDBs, ReplicaSets
 * and DaemonSets) and field selectors, with the apiserver's semantics and error wording.
 */
import { requirementMatches, splitSelectorTerms } from '../../kube/label-selector.js';
import type { LabelSelectorRequirement } from '../../kube/port.js';
import { badRequest } from './status.js';
import type { Json, KubeObject } from './types.js';

/** The apiserver's LabelSelectorRequirement: operator In, NotIn, Exists or DoesNotExist. */
export type Requirement = LabelSelectorRequirement;

export type Labels = Record<string, string> | undefined;

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h`; throws a 400 ApiError on bad syntax. */
export function parseLabelSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  for (const term of splitSelectorTerms(text)) {
    if (!term) continue;
    let match: RegExpMatchArray | null;
    if ((match = term.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const values = match[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
      out.push({ key: match[1]!, operator: match[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((match = term.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/))) {
      out.push({ key: match[1]!, operator: match[2] === '!=' ? 'NotIn' : 'In', values: [match[3]!] });
    } else if ((match = term.match(/^!\s*([\w./-]+)$/))) {
      out.push({ key: match[1]!, operator: 'DoesNotExist' });
    } else if ((match = term.match(/^([\w./-]+)$/))) {
      out.push({ key: match[1]!, operator: 'Exists' });
    } else {
      throw badRequest(`unable to parse requirement: found '${term}', expected: label selector term`);
    }
  }
  return out;
}

export function matchesRequirements(requirements: Requirement[], labels: Labels): boolean {
  return requirements.every((req) => requirementMatches(req, labels));
}

/** The API's operator spelling for each operator the apiserver accepts, in any case. */
const OPERATORS = new Map<string, LabelSelectorRequirement['operator']>([
  ['in', 'In'],
  ['notin', 'NotIn'],
  ['exists', 'Exists'],
  ['doesnotexist', 'DoesNotExist'],
]);

/**
 * Converts a structured LabelSelector. `null`/absent selects nothing and `{}` selects everything, the
 * policy/v1 PodDisruptionBudget rule.
 */
export function requirementsOf(selector: Json): Requirement[] | 'nothing' {
  if (selector === undefined || selector === null) return 'nothing';
  const out: Requirement[] = [];
  for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) {
    out.push({ key: k, operator: 'In', values: [v] });
  }
  for (const expr of (selector.matchExpressions ?? []) as Json[]) {
    const operator = OPERATORS.get(String(expr.operator ?? '').toLowerCase());
    if (operator === 'In' || operator === 'NotIn') out.push({ key: expr.key, operator, values: expr.values ?? [] });
    else if (operator !== undefined) out.push({ key: expr.key, operator });
    else throw badRequest(`"${expr.operator}" is not a valid label selector operator`);
  }
  return out;
}

export function selectorMatches(selector: Json, labels: Labels): boolean {
  const reqs = requirementsOf(selector);
  return reqs !== 'nothing' && matchesRequirements(reqs, labels);
}

export interface FieldRequirement {
  field: string;
  equals: boolean;
  value: string;
}

/** The fields each resource supports in field selectors (beyond metadata.name and metadata.namespace). */
const SUPPORTED_FIELDS: Record<string, string[]> = {
  pods: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  nodes: ['spec.unschedulable'],
  events: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'source', 'type'],
  namespaces: ['status.phase'],
};

export function parseFieldSelector(resource: string, text: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  const allowed = ['metadata.name', 'metadata.namespace', ...(SUPPORTED_FIELDS[resource] ?? [])];
  for (const part of text.split(',')) {
    const term = part.trim();
    if (!term) continue;
    const match = term.match(/^([\w.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!match) throw badRequest(`invalid selector: '${term}'; can't understand '${term}'`);
    const field = match[1]!;
    if (!allowed.includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    out.push({ field, equals: match[2] !== '!=', value: match[3]!.trim() });
  }
  return out;
}

export function fieldValue(obj: KubeObject, field: string): string {
  let value: Json = obj;
  for (const part of field.split('.')) value = value?.[part];
  if (field === 'spec.unschedulable') return value === true ? 'true' : 'false';
  return value === undefined || value === null ? '' : String(value);
}

export function matchesFields(requirements: FieldRequirement[], obj: KubeObject): boolean {
  return requirements.every((req) => (fieldValue(obj, req.field) === req.value) === req.equals);
}
