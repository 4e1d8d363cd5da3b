// Printer columns of rbac.authorization.k8s.io/v1 (printRoleBinding, printClusterRoleBinding). Roles
// and ClusterRoles have no printer of their own: their Tables show Name and Created At.

import type { KubeObject } from '../../store/types.js';
import { ageColumn, column } from './printers.js';
import type { TableColumn } from '../types.js';

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts, each joined with ", ". */
function subjects(object: KubeObject, kind: string): string {
  const list = (object.subjects as Subject[] | undefined) ?? [];
  return list
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name ?? ''}` : (s.name ?? '')))
    .join(', ');
}

function roleRef(object: KubeObject): string {
  const ref = (object.roleRef ?? {}) as { kind?: string; name?: string };
  return `${ref.kind ?? ''}/${ref.name ?? ''}`;
}

function bindingColumns(roleDescription: string, noun: string): TableColumn[] {
  return [
    column('Role', 'string', roleDescription, roleRef),
    ageColumn,
    column('Users', 'string', `Users in the ${noun}`, (o) => subjects(o, 'User'), 1),
    column('Groups', 'string', `Groups in the ${noun}`, (o) => subjects(o, 'Group'), 1),
    column('ServiceAccounts', 'string', `ServiceAccounts in the ${noun}`, (o) => subjects(o, 'ServiceAccount'), 1),
  ];
}

export const roleBindingColumns = bindingColumns(
  'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
  'roleBinding',
);

export const clusterRoleBindingColumns = bindingColumns(
  'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
  'clusterRoleBinding',
);
