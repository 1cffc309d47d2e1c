import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connect, isError, textOf, tempCopy } from './helpers.ts';

interface Contact {
  Id: string;
  Name: string;
  FirstName: string;
  LastName: string;
  Email: string | null;
  Phone: string | null;
  MailingCountry: string | null;
}

/** The real server's JSON answers start with a "Total: N records" line. */
function records<T>(text: string): T[] {
  const [first, ...rest] = text.split('\n');
  expect(first).toMatch(/^Total: \d+ records$/);
  return JSON.parse(rest.join('\n')) as T[];
}

describe('crm stand-in', () => {
  const data = tempCopy('crm/records.json');
  const start = (): Promise<Client> => connect('crm/server.mjs', ['--data', data.file]);
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    data.cleanup();
  });

  it('queries, gets, creates and updates records; changes survive a restart', async () => {
    const client = await start();
    clients.push(client);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['run_soql_query', 'get_object_fields', 'get_record', 'create_record', 'update_record', 'delete_record']),
    );

    const fields = textOf(await client.callTool({ name: 'get_object_fields', arguments: { object_name: 'Contact' } }));
    expect(fields).toMatch(/^Total: 15 fields\nname,label,type,updateable\r\nId,Contact ID,id,False\r\n/);

    const csv = textOf(await client.callTool({ name: 'run_soql_query', arguments: { query: "SELECT Id, Name, Email FROM Contact WHERE MailingCountry = 'Germany' ORDER BY LastName LIMIT 10" } }));
    expect(csv.split('\r\n')[0]).toBe('Total: 3 records\nId,Name,Email');
    expect(csv).toContain('Lena Fischer,lena.fischer@acme-retail.example');

    const japan = records<Contact & { Account: { Name: string } }>(
      textOf(await client.callTool({ name: 'run_soql_query', arguments: { query: "SELECT Name, Phone, Account.Name FROM Contact WHERE MailingCountry IN ('Japan') AND (Phone LIKE '+81%' OR Phone LIKE '03%')", format: 'json' } })),
    );
    expect(japan.map((c) => c.Name).sort()).toEqual(['Haruto Sato', 'Ren Nakamura', 'Yui Tanaka']);
    expect(japan[0]!.Account.Name).toBe('Sakura Logistics KK');
    expect(textOf(await client.callTool({ name: 'run_soql_query', arguments: { query: 'SELECT COUNT() FROM Contact' } }))).toContain('"expr0":30');
    expect(isError(await client.callTool({ name: 'run_soql_query', arguments: { query: 'SELECT Nope FROM Contact' } }))).toBe(true);
    expect(isError(await client.callTool({ name: 'run_soql_query', arguments: { query: 'DELETE FROM Contact' } }))).toBe(true);

    const [lena] = records<Contact>(textOf(await client.callTool({ name: 'run_soql_query', arguments: { query: "SELECT Id FROM Contact WHERE Email = 'lena.fischer@acme-retail.example'", format: 'compact' } })));
    const full = JSON.parse(textOf(await client.callTool({ name: 'get_record', arguments: { object_name: 'Contact', record_id: lena!.Id } }))) as Contact;
    expect(full).toMatchObject({ Name: 'Lena Fischer', Phone: '+49 30 90182 411', MailingCountry: 'Germany' });
    expect(isError(await client.callTool({ name: 'get_record', arguments: { object_name: 'Contact', record_id: '003000000000000AAA' } }))).toBe(true);

    expect(textOf(await client.callTool({ name: 'update_record', arguments: { object_name: 'Contact', record_id: lena!.Id, data: { LastName: 'Fischer-Braun', Phone: '+49 30 90182 499' } } }))).toBe(
      'Update Contact Record Result: 204',
    );
    expect(isError(await client.callTool({ name: 'update_record', arguments: { object_name: 'Contact', record_id: lena!.Id, data: { Name: 'x' } } }))).toBe(true);

    const created = textOf(
      await client.callTool({ name: 'create_record', arguments: { object_name: 'Contact', data: { FirstName: 'Grace', LastName: 'Hopper', Email: 'grace.hopper@navy.example', Phone: '+1 202 555 0107', MailingCountry: 'United States' } } }),
    );
    const { id } = JSON.parse(created.slice(created.indexOf('{'))) as { id: string; success: boolean };
    expect(created).toMatch(/^Create Contact Record Result \(JSON\):\n/);
    expect(id).toMatch(/^003\w{15}$/);
    clients.pop();
    await client.close();

    // A new process reads the same file: the changes persisted.
    const again = await start();
    clients.push(again);
    const after = JSON.parse(textOf(await again.callTool({ name: 'get_record', arguments: { object_name: 'Contact', record_id: lena!.Id, format: 'json' } }))) as Contact;
    expect(after).toMatchObject({ LastName: 'Fischer-Braun', Name: 'Lena Fischer-Braun', Phone: '+49 30 90182 499' });
    const grace = JSON.parse(textOf(await again.callTool({ name: 'get_record', arguments: { object_name: 'Contact', record_id: id } }))) as Contact;
    expect(grace).toMatchObject({ Name: 'Grace Hopper', Email: 'grace.hopper@navy.example' });
    const onDisk = JSON.parse(readFileSync(data.file, 'utf8')) as { records: { Contact: Contact[] } };
    expect(onDisk.records.Contact).toHaveLength(31);

    expect(textOf(await again.callTool({ name: 'delete_record', arguments: { object_name: 'Contact', record_id: id } }))).toBe('Delete Contact Record Result: 204');
    expect((JSON.parse(readFileSync(data.file, 'utf8')) as { records: { Contact: Contact[] } }).records.Contact).toHaveLength(30);
  });
});
