-- audit_log becomes WITHOUT ROWID, so each row is stored in its key (tenant_id, at, id): an audit
-- row is one written row, not a row and its key (docs/storage-schema.md). drizzle-kit cannot
-- declare WITHOUT ROWID (0022 gave the table this key); test/node/migrations.test.ts checks every
-- row is kept and pins the table as it is here. Nothing references audit_log and it references
-- nothing, so it is dropped and renamed as it is.
CREATE TABLE `audit_log_keyed` (
	`id` integer NOT NULL,
	`tenant_id` text NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`resource_type` text,
	`resource_id` text,
	`outcome` text NOT NULL,
	`status` integer,
	`detail` text,
	PRIMARY KEY(`tenant_id`, `at`, `id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `audit_log_keyed`("id", "tenant_id", "at", "actor", "action", "resource_type", "resource_id", "outcome", "status", "detail") SELECT "id", "tenant_id", "at", "actor", "action", "resource_type", "resource_id", "outcome", "status", "detail" FROM `audit_log`;--> statement-breakpoint
DROP TABLE `audit_log`;--> statement-breakpoint
ALTER TABLE `audit_log_keyed` RENAME TO `audit_log`;--> statement-breakpoint
CREATE INDEX `audit_log_tenant_resource_at` ON `audit_log` (`tenant_id`,`resource_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_log_tenant_failures_at` ON `audit_log` (`tenant_id`,`at`) WHERE outcome = 'failure';
