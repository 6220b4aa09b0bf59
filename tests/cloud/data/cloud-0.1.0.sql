BEGIN TRANSACTION;
CREATE TABLE applications (
	app_id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	object_id VARCHAR(36) NOT NULL, 
	sp_object_id VARCHAR(36) NOT NULL, 
	display_name VARCHAR(255) NOT NULL, 
	public_client BOOLEAN NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	PRIMARY KEY (app_id), 
	FOREIGN KEY(tenant_id) REFERENCES tenants (id) ON DELETE CASCADE, 
	UNIQUE (object_id), 
	UNIQUE (sp_object_id)
);
INSERT INTO "applications" VALUES('4ed27731-5819-43b5-a4bf-79575b30d6e3','27285c52-c396-43a5-b1c4-2d4f99b370d1','fda6e4c7-c322-4740-a5d9-83f362c89dad','a9b8469b-4de3-4959-9aa9-d4a41bfd2858','azcmagent-onboarding',0,'application');
INSERT INTO "applications" VALUES('b0c17695-5403-4a8f-ba8d-780234aad64e','27285c52-c396-43a5-b1c4-2d4f99b370d1','a1e48d54-4e6b-4f8c-88b6-5b02dd77b368','a75f057c-19b9-46c4-989b-6ce2b0527c05','legacy01',0,'managedIdentity');
CREATE TABLE credentials (
	key_id VARCHAR(36) NOT NULL, 
	app_id VARCHAR(36) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	secret_hash VARCHAR(128), 
	hint VARCHAR(8), 
	thumbprint_sha1 VARCHAR(40), 
	thumbprint_sha256 VARCHAR(64), 
	cert_pem TEXT, 
	starts_at FLOAT NOT NULL, 
	expires_at FLOAT NOT NULL, 
	PRIMARY KEY (key_id), 
	FOREIGN KEY(app_id) REFERENCES applications (app_id) ON DELETE CASCADE
);
INSERT INTO "credentials" VALUES('c085fbf2-64f0-4cfc-ac59-01093fbbffc1','4ed27731-5819-43b5-a4bf-79575b30d6e3','secret','4af0d0998fc20b8fffa4c94890d7a7d8$87700759aa3e35b9b89f9c651b09ef94f48ab53bba85b03e2823962b05eb57bf','7lM',NULL,NULL,NULL,1.79599868668432736396e+09,1.82753468668432736401e+09);
INSERT INTO "credentials" VALUES('b40f9807-286e-48e8-a9ca-8b2f05aea08a','b0c17695-5403-4a8f-ba8d-780234aad64e','certificate',NULL,NULL,'20137DC67F07B1985C5BE069E94A13CBE60850C3','C7BA1B9413F3ED7602078E248EDEEFD0E890A5F7D07B586F0159F7C1B05F5BAD','-----BEGIN CERTIFICATE-----
MIIDUzCCAjugAwIBAgIUCqxOIMVweDHv8W6QPY0Uwz5bQFgwDQYJKoZIhvcNAQEL
BQAwPzEcMBoGA1UECgwTY21hZ2VudCBsb2NhbCBjbG91ZDEfMB0GA1UEAwwWY21h
Z2VudCBsb2NhbCBjbG91ZCBDQTAeFw0yNjExMzAwMDI2MzJaFw0yNzAyMjgwMDMx
MzJaMC8xLTArBgNVBAMMJGIwYzE3Njk1LTU0MDMtNGE4Zi1iYThkLTc4MDIzNGFh
ZDY0ZTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAMsUtMq54Aqgw3DM
7Fd+wkWzHjZWyptYvetYJgVW4V3sb/SfLlM1P86HPiPCrlV91KIZolg297y7gbqu
gdNXHMNhmlrvY6A4JPc4vg40cU0kkURQcZAacgxgmSoLAa98foqlvd7f9rjFSPbL
pnvm4U1gzCNIZYR9QQU4pWVN6OaXn8RP0EcoiwwjH3MQt6UW3OQ4z0EI9NMx8WQc
CzEZ4bEm+g26G5AvCWFTNLavsfpjn5OpTK+qzuMcWU/PH+Na5jY/3Nh7jPbaX7vz
hVqSM9WjWEJI1hdWuis1jg78nmWrQIprniToQov+ndiq/eEcQiCRa75D2TUcmoyc
lUbV6Q8CAwEAAaNXMFUwPgYDVR0RBDcwNYYzdXJuOmNtYWdlbnQ6dm06ZDBhMmEy
MjYtNzZmZC00ODY1LThmODItODhhZDAxNjM0ZWM4MBMGA1UdJQQMMAoGCCsGAQUF
BwMCMA0GCSqGSIb3DQEBCwUAA4IBAQBcpp691+fLMIdDqUKZgNUKOAWUXk4voNuW
UYEFukoEokcn1r0RAKUyGbYVzp2qHmAQmMuFXMDsqifT6z7NzX1bGrKzXP3C2LGY
5CDlzmrB/391rhGSoxdC9sBGmkIXkLNEDcxCYdTmiIMLyLlxUhiokNn+yPNy3iWG
iD9xuzfjkqlYSIIX6Y7VqV74f6SYdN6Ek5yCfKafTb3kXdbE8fEMvOcCk3hmoHp0
iDn1HyM3jVF7YdktvzmyB3nG7mCsCBC6RUTqAcXCGLDGZnqpS7bTGLHBbut6CxtM
V+LK8btzH7ZG0+CwD95Hqp6ub89myM5sHkX6oOgc73gE7U2GLhvR
-----END CERTIFICATE-----
',1795998392.0,1803774692.0);
CREATE TABLE device_codes (
	device_code_hash VARCHAR(64) NOT NULL, 
	user_code VARCHAR(16) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	client_id VARCHAR(36) NOT NULL, 
	resource VARCHAR(512) NOT NULL, 
	scope VARCHAR(1024) NOT NULL, 
	version VARCHAR(4) NOT NULL, 
	created_at FLOAT NOT NULL, 
	expires_at FLOAT NOT NULL, 
	interval INTEGER NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	user_object_id VARCHAR(36), 
	last_poll_at FLOAT NOT NULL, 
	PRIMARY KEY (device_code_hash), 
	UNIQUE (user_code)
);
CREATE TABLE machines (
	id INTEGER NOT NULL, 
	subscription_id VARCHAR(36) NOT NULL, 
	group_key VARCHAR(90) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	name_key VARCHAR(64) NOT NULL, 
	location VARCHAR(64) NOT NULL, 
	vm_id VARCHAR(36) NOT NULL, 
	identity_app_id VARCHAR(36), 
	body JSON NOT NULL, 
	reported JSON NOT NULL, 
	status VARCHAR(32) NOT NULL, 
	last_status_change FLOAT NOT NULL, 
	last_heartbeat FLOAT, 
	fingerprint VARCHAR(128), 
	created_at FLOAT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (subscription_id, group_key, name_key), 
	FOREIGN KEY(subscription_id) REFERENCES subscriptions (id) ON DELETE CASCADE
);
INSERT INTO "machines" VALUES(1,'e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0','arc-servers','legacy01','legacy01','westeurope','d0a2a226-76fd-4865-8f82-88ad01634ec8','b0c17695-5403-4a8f-ba8d-780234aad64e','{"tags": {"env": "test"}, "kind": null, "properties": {"vmId": "d0a2a226-76fd-4865-8f82-88ad01634ec8", "osType": "linux", "clientPublicKey": "MIIBCgKCAQEAyxS0yrngCqDDcMzsV37CRbMeNlbKm1i961gmBVbhXexv9J8uUzU/zoc+I8KuVX3UohmiWDb3vLuBuq6B01ccw2GaWu9joDgk9zi+DjRxTSSRRFBxkBpyDGCZKgsBr3x+iqW93t/2uMVI9sume+bhTWDMI0hlhH1BBTilZU3o5pefxE/QRyiLDCMfcxC3pRbc5DjPQQj00zHxZBwLMRnhsSb6DbobkC8JYVM0tq+x+mOfk6lMr6rO4xxZT88f41rmNj/c2HuM9tpfu/OFWpIz1aNYQkjWF1a6KzWODvyeZatAimueJOhCi/6d2Kr94RxCIJFrvkPZNRyajJyVRtXpDwIDAQAB"}, "systemData": {"createdBy": "4ed27731-5819-43b5-a4bf-79575b30d6e3", "createdByType": "Application", "createdAt": "2026-11-30T00:31:32Z", "lastModifiedBy": "4ed27731-5819-43b5-a4bf-79575b30d6e3", "lastModifiedByType": "Application", "lastModifiedAt": "2026-11-30T00:31:32Z"}}','{}','AwaitingConnection',1.79599869218058633807e+09,NULL,NULL,1.79599869218058633807e+09);
CREATE TABLE provider_registrations (
	subscription_id VARCHAR(36) NOT NULL, 
	namespace_key VARCHAR(128) NOT NULL, 
	namespace VARCHAR(128) NOT NULL, 
	state VARCHAR(32) NOT NULL, 
	PRIMARY KEY (subscription_id, namespace_key), 
	FOREIGN KEY(subscription_id) REFERENCES subscriptions (id) ON DELETE CASCADE
);
INSERT INTO "provider_registrations" VALUES('e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0','microsoft.hybridcompute','Microsoft.HybridCompute','Registered');
INSERT INTO "provider_registrations" VALUES('e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0','microsoft.guestconfiguration','Microsoft.GuestConfiguration','Registered');
INSERT INTO "provider_registrations" VALUES('e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0','microsoft.hybridconnectivity','Microsoft.HybridConnectivity','Registered');
INSERT INTO "provider_registrations" VALUES('e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0','microsoft.azurearcdata','Microsoft.AzureArcData','Registered');
CREATE TABLE resource_groups (
	id INTEGER NOT NULL, 
	subscription_id VARCHAR(36) NOT NULL, 
	name VARCHAR(90) NOT NULL, 
	name_key VARCHAR(90) NOT NULL, 
	location VARCHAR(64) NOT NULL, 
	tags JSON NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (subscription_id, name_key), 
	FOREIGN KEY(subscription_id) REFERENCES subscriptions (id) ON DELETE CASCADE
);
INSERT INTO "resource_groups" VALUES(1,'e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0','arc-servers','arc-servers','westeurope','{}');
CREATE TABLE role_assignments (
	id VARCHAR(36) NOT NULL, 
	principal_id VARCHAR(36) NOT NULL, 
	principal_type VARCHAR(32) NOT NULL, 
	role_definition_id VARCHAR(36) NOT NULL, 
	scope VARCHAR(512) NOT NULL, 
	scope_key VARCHAR(512) NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "role_assignments" VALUES('b6d3bf95-9707-4a00-8eb0-fa07bd116582','a9b8469b-4de3-4959-9aa9-d4a41bfd2858','ServicePrincipal','b64e21ea-ac4e-4cdf-9dc9-5b892992bee7','/subscriptions/e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0/resourceGroups/arc-servers','/subscriptions/e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0/resourcegroups/arc-servers');
CREATE TABLE settings (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "settings" VALUES('clock.offset','60.0');
CREATE TABLE signing_keys (
	kid VARCHAR(64) NOT NULL, 
	private_pem TEXT NOT NULL, 
	cert_pem TEXT NOT NULL, 
	created_at FLOAT NOT NULL, 
	PRIMARY KEY (kid)
);
INSERT INTO "signing_keys" VALUES('hB8Q5mNCe7NRN-lrSLAuuGAwka0','-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC51mhDR0ZZ5/tc
4kW4m0IpApC6zqZWM3jT8HSQ1TQZgJiaC9cURjD8jHdRBU21EjLeOG7S6Vs5fYzv
LymuD//fNlJcW/xWFwlg5PKqwaA6f6cnTfitJb3HGzzR5WtX5kUo2EI1yQHBV6zw
GZ6EDoZtpiO/VYOns5Qv7PONBmpWdifTkW/Tf1ZDeZxuHhEopE/wa6CnwGqK6kGx
RkBvSZAREAZ6Y8055TOEeNl/Lhcl++y4j7bjrcQybk+4nektaMcSvLBcLXbs36s2
1OAGsRWlmPtBbbYg1BiuZ6bao50rvqpZpCcPBMr21eJ/yfgsNltcCLVItL1WbTFN
2DuXIrdlAgMBAAECggEAG/EvEB6hZ1dIJjknfpBprDzkghIcVI28tzFKdZR5FvSM
/WyWVEgRiYedUSNZAcbQuzUFBNVtkAFetYAD5lYlhOxoCdcS4+bm1BjYm/AtJV6Y
RYKlx3MLS+q+hFjYgQjwkSmjGu80QlvqdteDTBva/pWiflxfRVHtEB+ypxu11XYA
L0yH8C6LeUF6Y1K18jtHoKnIlzh4nljLRjtpQFLzubHTGP9J5Jx7ZMl06T135vtR
RYAd66AXX39Q7cUm8CtRuMIFGczpdazvkqZ0M6NcGtQhyVlQnot5LaIFCqeRTYZA
kuCWQ7rr0rkq3Xuu6ZsCZzVR3BjD6oGC86jtmuasqQKBgQD/qKyN320iYFkCKLCl
n0YcT+p6mEJtzS6jqFQ1C0JaikuN60d8LNPstOL/Ak/M9lmMEraINe+quzbH296H
OSZ1idbE8o8+To8N03o+aAgzqnecgZiWhsjknTeOaX6z7Ii/6gT/WpsAoKk7vw9X
3RndQzaeROh7TWIOnhxsW7XzZwKBgQC6FeJbQhmxlIqOMiyYP5tcT+FKnP/wnRDx
dCuTeihA43kpj4QooT5gZLyEvOxkkcCcYQTlAhIxywIbMEt/HtvBS7KWkaA2/hB3
KEbC0aR5ElmFeNQVyQMNlstUimFXDxvHLcKPqmgJD1RBKCoRLnu7gaDbfEYMbthi
0ywpv5mrUwKBgQCKEkxuqpXEFQi9E8CjEevJapeV8hkeN8vScxxXMWd6gmnfkYuf
0o35ro9RbawvY3RlI84UrhxrtoQVV/dMTF8q53BoGR+nZMH5k5bXkVOso4nJqmwA
D3b7kLTqYqsc/Me17esZBZPkuN/s9niQ2UYYqy4aN9jejqJAhr+O/dC8TQKBgB7/
aD51a1xGdzIqr30JE3M0Jz5LmuLU9y6RgHTHo47zlYpTytsNyRs7jJ+77NDv6pri
GnOffbJns8kdqWXamRbA6lXkmkCu38VJo0furiww31K5hvK+ElEgLmy9xGtBLApo
2AEgjMX9lLZp32APUzMv68DEGdMWX9tOfAvUS9/bAoGBALGwKX3yPCVxfQv8wOmT
dU2IVY94dq81PRpgq3bI8eBf77iGB7o3SqOGZ8krW3pW6Zp9Dcg4C1Gw30l9Bdr2
9C5SllgfranOOpPv0jihNmDcqMrucXUEohDW0NS2YEAh64h6mAN34Tpcubk8ENat
zAj8dwtFXVRNX4QOrhxK8Oed
-----END PRIVATE KEY-----
','-----BEGIN CERTIFICATE-----
MIIDIDCCAgigAwIBAgIUYOwgUhX4/nBlUgxPw1shlPPD8OIwDQYJKoZIhvcNAQEL
BQAwSjEcMBoGA1UECgwTY21hZ2VudCBsb2NhbCBjbG91ZDEqMCgGA1UEAwwhY21h
Z2VudCBsb2NhbCBjbG91ZCB0b2tlbiBzaWduaW5nMB4XDTI2MTEyOTAwMzEzMloX
DTM2MTEyNzAwMzEzMlowSjEcMBoGA1UECgwTY21hZ2VudCBsb2NhbCBjbG91ZDEq
MCgGA1UEAwwhY21hZ2VudCBsb2NhbCBjbG91ZCB0b2tlbiBzaWduaW5nMIIBIjAN
BgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAudZoQ0dGWef7XOJFuJtCKQKQus6m
VjN40/B0kNU0GYCYmgvXFEYw/Ix3UQVNtRIy3jhu0ulbOX2M7y8prg//3zZSXFv8
VhcJYOTyqsGgOn+nJ034rSW9xxs80eVrV+ZFKNhCNckBwVes8BmehA6GbaYjv1WD
p7OUL+zzjQZqVnYn05Fv039WQ3mcbh4RKKRP8Gugp8BqiupBsUZAb0mQERAGemPN
OeUzhHjZfy4XJfvsuI+2463EMm5PuJ3pLWjHErywXC127N+rNtTgBrEVpZj7QW22
INQYrmem2qOdK76qWaQnDwTK9tXif8n4LDZbXAi1SLS9Vm0xTdg7lyK3ZQIDAQAB
MA0GCSqGSIb3DQEBCwUAA4IBAQB2vjKbiWLhJUGytF6gpuiSmgdv9FsBTLJwGQCa
gkXEe0Ww8dMJt05nbt0vRwXTcjj1BJZwtFVRAM5eRGH2Z17kz/tmIseL+GP5JKqc
ZMV/j4t8IHM13HhH10/2jSUFhYbQzIXs4z5o42Q4KVrS+9mmYrHB4cKFer+u5yrd
mKL7x5gU1oZx9abVG0TmvcORYQtRE6Gi3nsuEn2+ydyOdoQ8adQHtLtUhlwmAO2c
SmtI/psxmPgsRwFKL20zOsLIzM4RpFHV755fXkoT9IBhtH0/s3MaTuP2IiWTVbw9
McFvE0AJu/attTBZNzWLAn2bm95hVgK4SbeOLSUNpZ9rhBQH
-----END CERTIFICATE-----
',1.79599869213511157033e+09);
CREATE TABLE subscriptions (
	id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	display_name VARCHAR(255) NOT NULL, 
	state VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
INSERT INTO "subscriptions" VALUES('e8d9a3b8-ebdb-4cba-80c8-7179f0f2bce0','27285c52-c396-43a5-b1c4-2d4f99b370d1','Arc servers 58c03b','Enabled');
CREATE TABLE tenants (
	id VARCHAR(36) NOT NULL, 
	domain VARCHAR(255) NOT NULL, 
	display_name VARCHAR(255) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (domain)
);
INSERT INTO "tenants" VALUES('27285c52-c396-43a5-b1c4-2d4f99b370d1','contoso58c03b.onmicrosoft.com','Contoso 58c03b');
CREATE TABLE users (
	object_id VARCHAR(36) NOT NULL, 
	tenant_id VARCHAR(36) NOT NULL, 
	upn VARCHAR(255) NOT NULL, 
	upn_key VARCHAR(255) NOT NULL, 
	display_name VARCHAR(255) NOT NULL, 
	password_hash VARCHAR(255) NOT NULL, 
	PRIMARY KEY (object_id), 
	FOREIGN KEY(tenant_id) REFERENCES tenants (id) ON DELETE CASCADE, 
	UNIQUE (upn_key)
);
INSERT INTO "users" VALUES('fd58d879-f643-48f4-8f55-1ac293ce4f4c','27285c52-c396-43a5-b1c4-2d4f99b370d1','ada@contoso.example','ada@contoso.example','ada@contoso.example','db1f974e154aba7d64bfa92c1fb9f93f$9d0869de9dc21d2c26b1d8e4f2551cf0be5b6c0fb154b6aaa3893ec004ca793f');
CREATE INDEX ix_role_assignments_principal_id ON role_assignments (principal_id);
CREATE INDEX ix_credentials_thumbprint_sha1 ON credentials (thumbprint_sha1);
CREATE INDEX ix_credentials_app_id ON credentials (app_id);
CREATE INDEX ix_machines_vm_id ON machines (vm_id);
COMMIT;
