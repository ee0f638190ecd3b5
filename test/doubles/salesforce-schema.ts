/**
 * The Salesforce double's org schema: which sObjects exist, their fields, which fields a create
 * must carry and which are External IDs. Only what the runbooks and tests use; a field that is
 * not here does not exist, as in a real org, so a typo fails the test the way it would fail in
 * production. Tests add custom fields with SalesforceDouble.defineField().
 */
export interface ObjectSchema {
  fields: Set<string>;
  /** Required on create (REQUIRED_FIELD_MISSING without them). */
  required: Set<string>;
  /** Custom fields marked External ID: usable in upsert URLs. */
  externalIds: Set<string>;
}

/** Every sObject has these (system fields; Salesforce sets them, SOQL may read them). */
const SYSTEM = ['Id', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'SystemModstamp'];

const DEFINITIONS: Record<string, { fields: string[]; required?: string[]; externalIds?: string[] }> = {
  Account: { fields: ['Name', 'AnnualRevenue', 'OwnerId', 'Industry'], required: ['Name'] },
  Contact: {
    // Name is the read-only compound of FirstName and LastName.
    fields: ['AccountId', 'FirstName', 'LastName', 'Name', 'Title', 'Email', 'Phone', 'OwnerId'],
    required: ['LastName'],
  },
  Case: {
    fields: ['AccountId', 'ContactId', 'Subject', 'Description', 'Priority', 'Origin', 'Status', 'OwnerId'],
  },
  Opportunity: {
    fields: ['AccountId', 'Name', 'Amount', 'IsClosed', 'StageName', 'CloseDate', 'OwnerId'],
    required: ['Name', 'StageName', 'CloseDate'],
  },
  User: { fields: ['Username', 'FirstName', 'LastName', 'Name', 'IsActive', 'Email'] },
  PermissionSet: { fields: ['Name', 'Label', 'IsOwnedByProfile'], required: ['Name', 'Label'] },
  PermissionSetAssignment: {
    fields: ['AssigneeId', 'PermissionSetId'],
    required: ['AssigneeId', 'PermissionSetId'],
  },
  ObjectPermissions: {
    fields: [
      'ParentId',
      'SobjectType',
      'PermissionsRead',
      'PermissionsCreate',
      'PermissionsEdit',
      'PermissionsDelete',
      'PermissionsViewAllRecords',
      'PermissionsModifyAllRecords',
    ],
    required: ['ParentId', 'SobjectType'],
  },
  SetupAuditTrail: { fields: ['Action', 'Section', 'Display', 'DelegateUser'] },
  Certificate: { fields: ['DeveloperName', 'MasterLabel', 'ExpirationDate', 'KeySize'] },
  FeedItem: { fields: ['ParentId', 'Body'], required: ['ParentId'] },
};

/** The storefront org the tests model: these custom fields exist in it. */
const CUSTOM: { sobject: string; field: string; externalId?: boolean }[] = [
  { sobject: 'Contact', field: 'Shop_Customer_Id__c', externalId: true },
  { sobject: 'Contact', field: 'Sequence__c' },
  { sobject: 'Contact', field: 'Last_Write__c' },
  { sobject: 'Case', field: 'Lockout_Key__c', externalId: true },
];

export function defaultSchema(): Map<string, ObjectSchema> {
  const schema = new Map<string, ObjectSchema>();
  for (const [name, d] of Object.entries(DEFINITIONS)) {
    schema.set(name, {
      fields: new Set([...SYSTEM, ...d.fields]),
      required: new Set(d.required ?? []),
      externalIds: new Set(d.externalIds ?? []),
    });
  }
  for (const c of CUSTOM) {
    const object = schema.get(c.sobject)!;
    object.fields.add(c.field);
    if (c.externalId) object.externalIds.add(c.field);
  }
  return schema;
}

/** API names are case-insensitive: the schema's own spelling of `name`, if the field exists. */
export function schemaField(object: ObjectSchema, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const field of object.fields) if (field.toLowerCase() === lower) return field;
  return undefined;
}

/** The schema's own spelling of an sObject name, if it exists. */
export function schemaObject(
  schema: Map<string, ObjectSchema>,
  name: string,
): [string, ObjectSchema] | undefined {
  const lower = name.toLowerCase();
  for (const entry of schema) if (entry[0].toLowerCase() === lower) return entry;
  return undefined;
}
