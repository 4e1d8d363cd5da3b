// meta.k8s.io Table rows and columns: the resource's printer columns, or the default Name / Created At.

import { nameColumn } from '../registry/printing.js';
import type { ResourceDefinition, TableColumn } from '../registry/types.js';
import type { KubeObject } from '../store/types.js';

const createdAtDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

const defaultColumns: TableColumn[] = [
  { name: 'Created At', type: 'date', description: createdAtDescription, priority: 0, cell: (o) => o.metadata.creationTimestamp ?? null },
];

/** The resource's columns, led by Name unless the resource places a name column itself. */
function columnsOf(def: ResourceDefinition): TableColumn[] {
  const columns = def.strategy.table ?? defaultColumns;
  return columns.some((c) => c.format === 'name') ? columns : [nameColumn, ...columns];
}

export function tableColumns(def: ResourceDefinition): Record<string, unknown>[] {
  return columnsOf(def).map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority }));
}

export function tableRow(def: ResourceDefinition, object: KubeObject, now: Date): Record<string, unknown> {
  const row: Record<string, unknown> = { cells: columnsOf(def).map((c) => c.cell(object, now)) };
  const conditions = def.strategy.tableRowConditions?.(object);
  if (conditions) row.conditions = conditions;
  return row;
}
