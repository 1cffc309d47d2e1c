#!/usr/bin/env node
// CRM stand-in: an MCP server over local Salesforce-shaped records (Account, Contact), with the tool
// names, arguments and answer formats of the Salesforce MCP server smn2gnt/MCP-Salesforce (PyPI:
// mcp-salesforce-connector): run_soql_query, get_object_fields, get_record, create_record,
// update_record, delete_record. Every change is written back to the data file at once.
// Data: --data <file> or MAGSAG_DEMO_CRM_DATA, default .magsag/demo/crm/records.json.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { errorResult, readJson, resolveDataFile, writeJson } from '../lib/dataStore.mjs';
import { salesforceId } from './salesforceId.mjs';
import { parseSoql, runSoql, SoqlError } from './soql.mjs';

const dataFile = resolveDataFile('crm/records.json', 'MAGSAG_DEMO_CRM_DATA');
const keyPrefixes = { Account: '001', Contact: '003', Lead: '00Q', Opportunity: '006' };

const text = (value) => ({ content: [{ type: 'text', text: value }] });
const timestamp = () => (process.env.MAGSAG_DEMO_NOW ? new Date(process.env.MAGSAG_DEMO_NOW) : new Date()).toISOString().replace('Z', '+0000');

/** The object's API name as stored (case-insensitive lookup), or undefined. */
function objectName(data, name) {
  return Object.keys(data.fields).find((key) => key.toLowerCase() === name.toLowerCase());
}

function unknownObject(data, name) {
  return `Error: INVALID_TYPE: sObject type '${name}' is not supported. Objects in this CRM: ${Object.keys(data.fields).join(', ')}`;
}

function lookupResolver(data) {
  return (record, relationship) => {
    const idField = Object.keys(record).find((k) => k.toLowerCase() === `${relationship.toLowerCase()}id`);
    const id = idField ? record[idField] : undefined;
    if (!id) return null;
    const target = objectName(data, relationship);
    return target ? (data.records[target] ?? []).find((r) => r.Id === id) ?? null : null;
  };
}

// Python's csv.DictWriter output, as the real server prints: minimal quoting, \r\n line ends, None as ''.
function csvCell(value) {
  if (value === null || value === undefined) return '';
  let cell = typeof value === 'boolean' ? (value ? 'True' : 'False') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/[",\r\n]/.test(cell)) cell = `"${cell.replaceAll('"', '""')}"`;
  return cell;
}

/** The real server's format_records: csv (default), compact JSON or indented JSON, after a "Total" line. */
function formatRecords(records, format) {
  if (records.length === 0) return 'No records found.';
  const total = `Total: ${records.length} records\n`;
  if (format === 'json') return total + JSON.stringify(records, null, 2);
  if (format === 'compact') return total + JSON.stringify(records);
  const header = Object.keys(records[0]);
  const lines = [header.map(csvCell).join(','), ...records.map((r) => header.map((h) => csvCell(r[h])).join(','))];
  return `${total}${lines.join('\r\n')}\r\n`;
}

/** Checks `data` keys against the object's fields: unknown or read-only fields are refused. */
function checkWritable(data, object, values) {
  const fields = data.fields[object];
  for (const key of Object.keys(values)) {
    const field = fields.find((f) => f.name.toLowerCase() === key.toLowerCase());
    if (!field) return `INVALID_FIELD: No such column '${key}' on sobject of type ${object}`;
    if (!field.updateable) return `INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: ${field.name}. Please check the security settings of this field.`;
  }
  return undefined;
}

function applyValues(data, object, record, values) {
  for (const [key, value] of Object.entries(values)) {
    const field = data.fields[object].find((f) => f.name.toLowerCase() === key.toLowerCase());
    record[field.name] = value;
  }
  if (object === 'Contact') record.Name = [record.FirstName, record.LastName].filter(Boolean).join(' ');
}

const formatArg = z.enum(['csv', 'compact', 'json']);
const server = new McpServer({ name: 'salesforce-mcp', title: 'CRM (local Salesforce stand-in)', version: '0.1.0' });

server.registerTool(
  'run_soql_query',
  {
    description:
      'Executes a SOQL query against Salesforce.\n\nTOKEN OPTIMIZATION GUIDELINES:\n- Always SELECT only the fields you need (never SELECT *)\n- Use LIMIT to restrict results\n- Use WHERE clauses to filter data server-side\n- Default output is CSV format (most token-efficient)\n- Use format=\'json\' only when you need nested data structure\n\nExample efficient query: SELECT Id, Name, Email FROM Contact WHERE MailingCountry = \'Germany\' LIMIT 20',
    inputSchema: {
      query: z.string().describe('The SOQL query to execute. Always include LIMIT clause and select only needed fields.'),
      format: formatArg.default('csv').describe("Output format: 'csv' (default, most compact), 'compact' (JSON no whitespace), 'json' (full JSON)"),
    },
    annotations: { readOnlyHint: true },
  },
  async ({ query, format }) => {
    const data = readJson(dataFile);
    let parsed;
    try {
      parsed = parseSoql(query);
    } catch (error) {
      if (error instanceof SoqlError) return errorResult(`Error: ${error.message}`);
      throw error;
    }
    const object = objectName(data, parsed.object);
    if (!object) return errorResult(unknownObject(data, parsed.object));
    const resolve = lookupResolver(data);
    for (const field of parsed.fields) {
      const [first, second] = field.split('.');
      const ok = second === undefined ? data.fields[object].some((f) => f.name.toLowerCase() === first.toLowerCase()) : Boolean(objectName(data, first));
      if (!ok) return errorResult(`Error: INVALID_FIELD: No such column '${field}' on entity '${object}'.`);
    }
    const result = runSoql(parsed, data.records[object] ?? [], resolve);
    if (parsed.count) return text(`Total: ${result.totalSize} records\n[{"expr0":${result.totalSize}}]`);
    return text(formatRecords(result.records, format));
  },
);

server.registerTool(
  'get_object_fields',
  {
    description: 'Retrieves field names and types for a Salesforce object. Use this to discover available fields before writing SOQL queries.\n\nOutput is CSV format: name,label,type,updateable',
    inputSchema: { object_name: z.string().describe("The Salesforce object API name (e.g., 'Account', 'Contact', 'Store__c')") },
    annotations: { readOnlyHint: true },
  },
  async ({ object_name }) => {
    const data = readJson(dataFile);
    const object = objectName(data, object_name);
    if (!object) return errorResult(unknownObject(data, object_name));
    const fields = data.fields[object];
    const rows = [['name', 'label', 'type', 'updateable'], ...fields.map((f) => [f.name, f.label, f.type, f.updateable])];
    return text(`Total: ${fields.length} fields\n${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`);
  },
);

server.registerTool(
  'get_record',
  {
    description: 'Retrieves a specific record by ID. Returns all fields - prefer SOQL with specific fields for token efficiency.',
    inputSchema: {
      object_name: z.string().describe("The Salesforce object API name (e.g., 'Account', 'Contact')"),
      record_id: z.string().describe('The 15 or 18 character Salesforce record ID'),
      format: z.enum(['compact', 'json']).default('compact').describe("Output format: 'compact' (default), 'json'"),
    },
    annotations: { readOnlyHint: true },
  },
  async ({ object_name, record_id, format }) => {
    const data = readJson(dataFile);
    const object = objectName(data, object_name);
    if (!object) return errorResult(unknownObject(data, object_name));
    const record = (data.records[object] ?? []).find((r) => r.Id === record_id || r.Id.slice(0, 15) === record_id);
    if (!record) return errorResult(notFoundText(object, record_id));
    return text(format === 'json' ? JSON.stringify(record, null, 2) : JSON.stringify(record));
  },
);

function notFoundText(object, id) {
  return `Error: Resource ${object} Not Found. Response content: [{'errorCode': 'NOT_FOUND', 'message': 'The requested resource does not exist', 'id': '${id}'}]`;
}

const dataArg = z.record(z.string(), z.unknown());

server.registerTool(
  'create_record',
  {
    description: 'Creates a new record',
    inputSchema: {
      object_name: z.string().describe("The name of the Salesforce object (e.g., 'Account', 'Contact')"),
      data: dataArg.describe('The data for the new record'),
    },
  },
  async ({ object_name, data: values }) => {
    const data = readJson(dataFile);
    const object = objectName(data, object_name);
    if (!object) return errorResult(unknownObject(data, object_name));
    const problem = checkWritable(data, object, values);
    if (problem) return errorResult(`Error: ${problem}`);
    if (object === 'Contact' && !Object.keys(values).some((k) => k.toLowerCase() === 'lastname')) {
      return errorResult('Error: REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]');
    }
    const rows = (data.records[object] ??= []);
    const prefix = keyPrefixes[object] ?? 'a00';
    let n = rows.length + 1;
    while (rows.some((r) => r.Id === salesforceId(prefix, n))) n++;
    const now = timestamp();
    const record = Object.fromEntries(data.fields[object].map((f) => [f.name, null]));
    Object.assign(record, { Id: salesforceId(prefix, n), CreatedDate: now, LastModifiedDate: now });
    applyValues(data, object, record, values);
    rows.push(record);
    writeJson(dataFile, data);
    return text(`Create ${object} Record Result (JSON):\n${JSON.stringify({ id: record.Id, success: true, errors: [] }, null, 2)}`);
  },
);

server.registerTool(
  'update_record',
  {
    description: 'Updates an existing record',
    inputSchema: {
      object_name: z.string().describe("The name of the Salesforce object (e.g., 'Account', 'Contact')"),
      record_id: z.string().describe('The ID of the record to update'),
      data: dataArg.describe('The updated data for the record'),
    },
  },
  async ({ object_name, record_id, data: values }) => {
    const data = readJson(dataFile);
    const object = objectName(data, object_name);
    if (!object) return errorResult(unknownObject(data, object_name));
    const record = (data.records[object] ?? []).find((r) => r.Id === record_id || r.Id.slice(0, 15) === record_id);
    if (!record) return errorResult(notFoundText(object, record_id));
    const problem = checkWritable(data, object, values);
    if (problem) return errorResult(`Error: ${problem}`);
    applyValues(data, object, record, values);
    record.LastModifiedDate = timestamp();
    writeJson(dataFile, data);
    return text(`Update ${object} Record Result: 204`);
  },
);

server.registerTool(
  'delete_record',
  {
    description: 'Deletes a record',
    inputSchema: {
      object_name: z.string().describe("The name of the Salesforce object (e.g., 'Account', 'Contact')"),
      record_id: z.string().describe('The ID of the record to delete'),
    },
    annotations: { destructiveHint: true },
  },
  async ({ object_name, record_id }) => {
    const data = readJson(dataFile);
    const object = objectName(data, object_name);
    if (!object) return errorResult(unknownObject(data, object_name));
    const rows = data.records[object] ?? [];
    const index = rows.findIndex((r) => r.Id === record_id || r.Id.slice(0, 15) === record_id);
    if (index < 0) return errorResult(notFoundText(object, record_id));
    rows.splice(index, 1);
    writeJson(dataFile, data);
    return text(`Delete ${object} Record Result: 204`);
  },
);

await server.connect(new StdioServerTransport());
