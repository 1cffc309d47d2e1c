// Copies the contacts of the memory knowledge graph into the CRM. The program only ever sees
// placeholders ([NAME_1], [EMAIL_1], ...); the CRM receives the real values, because memory.yaml's
// `flows` allow names, emails and phone numbers to go to the crm server.
//   pnpm magsag exec examples/importContacts.ts --approve crm/create_record   (create_record needs approval)
import { searchNodes } from './servers/memory/searchNodes';
import { createRecord } from './servers/crm/createRecord';

const graph = await searchNodes({ query: 'contact' });
const contacts = graph.entities.filter((e) => e.entityType === 'contact');
const field = (observations: string[], key: string): string | undefined =>
  observations.find((o) => o.startsWith(`${key}: `))?.slice(key.length + 2);

const created = [];
for (const contact of contacts) {
  const result = await createRecord({
    object_name: 'Contact',
    data: {
      LastName: contact.name,
      Email: field(contact.observations, 'email'),
      Phone: field(contact.observations, 'phone'),
      LeadSource: 'Memory import',
    },
  });
  // create_record declares no outputSchema and is not sampled (it writes): its result is unknown.
  created.push({ contact: contact.name, result });
}
console.log(`imported ${created.length} contacts`);
export default created;
