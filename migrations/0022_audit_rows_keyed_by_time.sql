PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_audit_log` (
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
);
--> statement-breakpoint
INSERT INTO `__new_audit_log`("id", "tenant_id", "at", "actor", "action", "resource_type", "resource_id", "outcome", "status", "detail") SELECT "id", "tenant_id", "at", "actor", "action", "resource_type", "resource_id", "outcome", "status", "detail" FROM `audit_log`;--> statement-breakpoint
DROP TABLE `audit_log`;--> statement-breakpoint
ALTER TABLE `__new_audit_log` RENAME TO `audit_log`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `audit_log_tenant_resource_at` ON `audit_log` (`tenant_id`,`resource_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_log_tenant_failures_at` ON `audit_log` (`tenant_id`,`at`) WHERE outcome = 'failure';