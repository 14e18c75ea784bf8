// `npm run docs`: writes the generated documentation files.
import { writeFileSync } from 'node:fs';
import { topicReference } from './topic-reference.ts';

writeFileSync(new URL('../../docs/topics.md', import.meta.url), topicReference());
console.log('wrote docs/topics.md');
