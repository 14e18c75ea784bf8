// `npm run docs`: writes the generated documentation files.
import { writeFileSync } from 'node:fs';
import { configReference } from './config-reference.ts';
import { topicReference } from './topic-reference.ts';

writeFileSync(new URL('../../docs/topics.md', import.meta.url), topicReference());
writeFileSync(new URL('../../docs/configuration.md', import.meta.url), configReference());
console.log('wrote docs/topics.md and docs/configuration.md');
