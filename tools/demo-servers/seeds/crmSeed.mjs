// Generates the committed CRM stand-in seed, tools/adk/demo-data/crm/records.json: Salesforce-shaped
// Accounts and Contacts with fake but realistic names, emails and phone numbers from several
// countries (fictional number ranges where the country has one). Run: node tools/demo-servers/seeds/crmSeed.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { salesforceId } from '../crm/salesforceId.mjs';

const ref = Date.parse('2026-01-15T12:00:00Z');
const at = (days) => new Date(ref - days * 86_400_000).toISOString().replace('Z', '+0000');

const field = (name, label, type, updateable = true) => ({ name, label, type, updateable });
const fields = {
  Account: [
    field('Id', 'Account ID', 'id', false),
    field('Name', 'Account Name', 'string'),
    field('Industry', 'Industry', 'picklist'),
    field('Website', 'Website', 'url'),
    field('Phone', 'Account Phone', 'phone'),
    field('BillingCity', 'Billing City', 'string'),
    field('BillingCountry', 'Billing Country', 'string'),
    field('Description', 'Account Description', 'textarea'),
    field('CreatedDate', 'Created Date', 'datetime', false),
    field('LastModifiedDate', 'Last Modified Date', 'datetime', false),
  ],
  Contact: [
    field('Id', 'Contact ID', 'id', false),
    field('FirstName', 'First Name', 'string'),
    field('LastName', 'Last Name', 'string'),
    field('Name', 'Full Name', 'string', false),
    field('Email', 'Email', 'email'),
    field('Phone', 'Business Phone', 'phone'),
    field('MobilePhone', 'Mobile Phone', 'phone'),
    field('Title', 'Title', 'string'),
    field('AccountId', 'Account ID', 'reference'),
    field('MailingCity', 'Mailing City', 'string'),
    field('MailingCountry', 'Mailing Country', 'string'),
    field('LeadSource', 'Lead Source', 'picklist'),
    field('Description', 'Contact Description', 'textarea'),
    field('CreatedDate', 'Created Date', 'datetime', false),
    field('LastModifiedDate', 'Last Modified Date', 'datetime', false),
  ],
};

const accounts = [
  ['Acme Retail GmbH', 'Retail', 'https://acme-retail.example', '+49 30 90182 400', 'Berlin', 'Germany'],
  ['Northwind Traders Ltd', 'Consumer Goods', 'https://northwind.example', '+44 20 7946 0100', 'London', 'United Kingdom'],
  ['Contoso Pharmaceuticals', 'Healthcare', 'https://contoso-pharma.example', '+1 617 555 0100', 'Boston', 'United States'],
  ['Maison Lumière SARL', 'Retail', 'https://maison-lumiere.example', '+33 1 99 00 10 00', 'Paris', 'France'],
  ['Sakura Logistics KK', 'Transportation', 'https://sakura-logistics.example', '+81 3-5550-0100', 'Tokyo', 'Japan'],
  ['Southern Cross Energy Pty', 'Energy', 'https://southerncross.example', '+61 2 5550 0100', 'Sydney', 'Australia'],
  ['Pão Dourado Alimentos', 'Food & Beverage', 'https://paodourado.example', '+55 11 3555-0100', 'São Paulo', 'Brazil'],
  ['Maple Leaf Analytics Inc', 'Technology', 'https://mapleleaf.example', '+1 416 555 0100', 'Toronto', 'Canada'],
].map(([Name, Industry, Website, Phone, BillingCity, BillingCountry], i) => ({
  Id: salesforceId('001', i + 1),
  Name, Industry, Website, Phone, BillingCity, BillingCountry,
  Description: null,
  CreatedDate: at(600 - i * 20),
  LastModifiedDate: at(90 - i * 5),
}));

// [first, last, email, phone, mobile, title, account index, city, country, lead source]
const people = [
  ['Lena', 'Fischer', 'lena.fischer@acme-retail.example', '+49 30 90182 411', '+49 151 23456789', 'Head of E-Commerce', 0, 'Berlin', 'Germany', 'Web'],
  ['Jonas', 'Weber', 'j.weber@acme-retail.example', '030 90182 412', '0160 98765432', 'IT Director', 0, 'Berlin', 'Germany', 'Trade Show'],
  ['Miriam', 'Schäfer', 'miriam.schaefer@acme-retail.example', '+49 89 4520 1133', null, 'Procurement Manager', 0, 'Munich', 'Germany', 'Partner Referral'],
  ['Oliver', 'Hughes', 'oliver.hughes@northwind.example', '+44 20 7946 0123', '+44 7700 900123', 'Chief Operating Officer', 1, 'London', 'United Kingdom', 'Web'],
  ['Charlotte', 'Evans', 'c.evans@northwind.example', '020 7946 0456', '07700 900456', 'Buyer', 1, 'London', 'United Kingdom', 'Phone Inquiry'],
  ['Aisha', 'Patel', 'aisha.patel@northwind.example', '+44 161 496 0789', '+44 7700 900789', 'Finance Lead', 1, 'Manchester', 'United Kingdom', 'Web'],
  ['Michael', 'Johnson', 'michael.johnson@contoso-pharma.example', '+1 617 555 0142', '+1 617 555 0143', 'VP Supply Chain', 2, 'Boston', 'United States', 'Trade Show'],
  ['Emily', 'Rodriguez', 'emily.rodriguez@contoso-pharma.example', '(617) 555-0177', '(857) 555-0178', 'Clinical Operations Manager', 2, 'Boston', 'United States', 'Web'],
  ['David', 'Kim', 'dkim@contoso-pharma.example', '+1 212 555 0199', null, 'Regional Sales Director', 2, 'New York', 'United States', 'Partner Referral'],
  ['Sarah', 'Thompson', 'sarah.thompson@contoso-pharma.example', '+1 415 555 0110', '+1 415 555 0111', 'Head of Procurement', 2, 'San Francisco', 'United States', 'Other'],
  ['Camille', 'Dubois', 'camille.dubois@maison-lumiere.example', '+33 1 99 00 12 34', '+33 6 12 34 56 78', 'Directrice Commerciale', 3, 'Paris', 'France', 'Web'],
  ['Julien', 'Moreau', 'julien.moreau@maison-lumiere.example', '01 99 00 56 78', '06 98 76 54 32', 'Responsable Logistique', 3, 'Paris', 'France', 'Trade Show'],
  ['Élodie', 'Lefèvre', 'elodie.lefevre@maison-lumiere.example', '+33 4 99 00 11 22', null, 'Acheteuse', 3, 'Lyon', 'France', 'Phone Inquiry'],
  ['Haruto', 'Sato', 'haruto.sato@sakura-logistics.example', '+81 3-5550-0123', '+81 90-1234-5678', 'General Manager', 4, 'Tokyo', 'Japan', 'Partner Referral'],
  ['Yui', 'Tanaka', 'yui.tanaka@sakura-logistics.example', '03-5550-0456', '080-9876-5432', 'Operations Lead', 4, 'Tokyo', 'Japan', 'Web'],
  ['Ren', 'Nakamura', 'r.nakamura@sakura-logistics.example', '+81 6-5550-0789', null, 'IT Manager', 4, 'Osaka', 'Japan', 'Web'],
  ['Jack', 'Wilson', 'jack.wilson@southerncross.example', '+61 2 5550 0123', '+61 491 570 156', 'Energy Trading Manager', 5, 'Sydney', 'Australia', 'Trade Show'],
  ['Chloe', 'Nguyen', 'chloe.nguyen@southerncross.example', '(02) 5550 0456', '0491 570 157', 'Sustainability Officer', 5, 'Sydney', 'Australia', 'Web'],
  ['Liam', "O'Brien", 'liam.obrien@southerncross.example', '+61 3 7010 0789', '+61 491 570 158', 'Finance Director', 5, 'Melbourne', 'Australia', 'Other'],
  ['Ana', 'Souza', 'ana.souza@paodourado.example', '+55 11 3555-0123', '+55 11 91234-5678', 'Diretora de Compras', 6, 'São Paulo', 'Brazil', 'Web'],
  ['Pedro', 'Oliveira', 'pedro.oliveira@paodourado.example', '(11) 3555-0456', '(11) 98765-4321', 'Gerente de TI', 6, 'São Paulo', 'Brazil', 'Partner Referral'],
  ['Beatriz', 'Costa', 'beatriz.costa@paodourado.example', '+55 21 3555-0789', null, 'Analista Financeira', 6, 'Rio de Janeiro', 'Brazil', 'Phone Inquiry'],
  ['Ethan', 'Tremblay', 'ethan.tremblay@mapleleaf.example', '+1 416 555 0123', '+1 647 555 0124', 'CTO', 7, 'Toronto', 'Canada', 'Web'],
  ['Sophie', 'Gagnon', 'sophie.gagnon@mapleleaf.example', '(514) 555-0456', '(438) 555-0457', 'Data Science Lead', 7, 'Montreal', 'Canada', 'Trade Show'],
  ['Noah', 'Singh', 'noah.singh@mapleleaf.example', '+1 604 555 0789', null, 'Account Executive', 7, 'Vancouver', 'Canada', 'Partner Referral'],
  ['Priya', 'Sharma', 'priya.sharma@mapleleaf.example', '+91 98765 43210', '+91 91234 56789', 'Offshore Delivery Manager', 7, 'Bengaluru', 'India', 'Other'],
  ['Lucía', 'García', 'lucia.garcia@acme-retail.example', '+34 912 345 678', '+34 612 345 678', 'Country Manager Spain', 0, 'Madrid', 'Spain', 'Web'],
  ['Marco', 'Bianchi', 'marco.bianchi@maison-lumiere.example', '+39 02 1234 5678', '+39 347 123 4567', 'Agente Italia', 3, 'Milan', 'Italy', 'Partner Referral'],
  ['Sven', 'Johansson', 'sven.johansson@northwind.example', '+46 8 123 456 78', '+46 70 123 45 67', 'Nordics Sales Lead', 1, 'Stockholm', 'Sweden', 'Trade Show'],
  ['Fatima', 'Al-Sayed', 'fatima.alsayed@contoso-pharma.example', '+971 4 123 4567', '+971 50 123 4567', 'Middle East Distributor Liaison', 2, 'Dubai', 'United Arab Emirates', 'Other'],
];
const contacts = people.map(([FirstName, LastName, Email, Phone, MobilePhone, Title, account, MailingCity, MailingCountry, LeadSource], i) => ({
  Id: salesforceId('003', i + 1),
  FirstName, LastName,
  Name: `${FirstName} ${LastName}`,
  Email, Phone, MobilePhone, Title,
  AccountId: accounts[account].Id,
  MailingCity, MailingCountry, LeadSource,
  Description: null,
  CreatedDate: at(400 - i * 11),
  LastModifiedDate: at(60 - i * 2),
}));

const data = {
  description: 'Seed for the CRM stand-in MCP server (tools/demo-servers/crm): Salesforce-shaped records. Fake people, fictional phone ranges where they exist.',
  fields,
  records: { Account: accounts, Contact: contacts },
};
const out = path.resolve(import.meta.dirname, '../../adk/demo-data/crm/records.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
console.log(`wrote ${out}: ${accounts.length} accounts, ${contacts.length} contacts`);
