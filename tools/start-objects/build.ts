// Run by `npm run build` after tsc: writes the start-up template through the write path once, beside
// the compiled bootstrap module, so a process's first start reads it instead of writing it again.

import { writeFileSync } from 'node:fs';
import { writeStartTemplate } from '../../server/bootstrap/seed.js';
import { templateFileUrl } from '../../server/bootstrap/template.js';
import { builtinRegistry } from '../../server/registry/registry.js';

writeFileSync(templateFileUrl, JSON.stringify(writeStartTemplate(builtinRegistry())));
