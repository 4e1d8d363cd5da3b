// Printer columns of admissionregistration.k8s.io/v1 (printMutatingWebhook, printValidatingWebhook,
// printValidatingAdmissionPolicy, printValidatingAdmissionPolicyBinding).

import { formatLabelSelector } from '../../selectors/labels.js';
import type { KubeObject } from '../../store/types.js';
import type { TableColumn } from '../types.js';
import { ageColumn, column } from './printers.js';

type Json = Record<string, any>;

const spec = (o: KubeObject) => (o.spec ?? {}) as Json;

export const webhookConfigurationColumns: TableColumn[] = [
  column('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration', (o) => (Array.isArray(o.webhooks) ? o.webhooks.length : 0)),
  ageColumn,
];

export const validatingAdmissionPolicyColumns: TableColumn[] = [
  column('Validations', 'integer', 'Validations indicates the number of validation rules defined in this configuration', (o) => (Array.isArray(spec(o).validations) ? spec(o).validations.length : 0)),
  column('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy', (o) => {
    const kind = spec(o).paramKind as Json | undefined;
    return kind ? `${kind.apiVersion ?? ''}/${kind.kind ?? ''}` : '<unset>';
  }),
  ageColumn,
];

export const validatingAdmissionPolicyBindingColumns: TableColumn[] = [
  column('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to', (o) => spec(o).policyName ?? ''),
  column('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param', (o) => {
    const ref = spec(o).paramRef as Json | undefined;
    if (!ref) return '<unset>';
    // Without a namespace the param may be cluster-scoped: every namespace is shown as *.
    if (ref.name) return `${ref.namespace || '*'}/${ref.name}`;
    return ref.selector ? formatLabelSelector(ref.selector) : '<unset>';
  }),
  ageColumn,
];
