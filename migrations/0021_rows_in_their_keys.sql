-- The three tables keyed by a composite primary key become WITHOUT ROWID, so each row is stored in
-- its key: an email, a membership and an event each write one row less (docs/storage-schema.md).
-- drizzle-kit cannot declare WITHOUT ROWID; test/node/migrations.test.ts checks every row is kept
-- and pins the tables as they are here. Each table is a child only: nothing references it, so it
-- is dropped and renamed with foreign keys on, and its own references are declared again.
CREATE TABLE `user_emails_keyed` (
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`position` integer NOT NULL,
	`value` text NOT NULL,
	`type` text,
	`primary` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`user_id`, `position`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `user_emails_keyed`("tenant_id", "user_id", "position", "value", "type", "primary") SELECT "tenant_id", "user_id", "position", "value", "type", "primary" FROM `user_emails`;--> statement-breakpoint
DROP TABLE `user_emails`;--> statement-breakpoint
ALTER TABLE `user_emails_keyed` RENAME TO `user_emails`;--> statement-breakpoint
CREATE INDEX `user_emails_tenant_value` ON `user_emails` (`tenant_id`,`value`);--> statement-breakpoint
CREATE TABLE `group_members_keyed` (
	`tenant_id` text NOT NULL,
	`group_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`group_id`, `user_id`),
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `group_members_keyed`("tenant_id", "group_id", "user_id", "created_at") SELECT "tenant_id", "group_id", "user_id", "created_at" FROM `group_members`;--> statement-breakpoint
DROP TABLE `group_members`;--> statement-breakpoint
ALTER TABLE `group_members_keyed` RENAME TO `group_members`;--> statement-breakpoint
CREATE INDEX `group_members_user` ON `group_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `directory_events_keyed` (
	`tenant_id` text NOT NULL,
	`seq` integer NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`actor` text NOT NULL,
	`occurred_at` text NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `seq`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `directory_events_keyed`("tenant_id", "seq", "id", "type", "actor", "occurred_at", "data") SELECT "tenant_id", "seq", "id", "type", "actor", "occurred_at", "data" FROM `directory_events`;--> statement-breakpoint
DROP TABLE `directory_events`;--> statement-breakpoint
ALTER TABLE `directory_events_keyed` RENAME TO `directory_events`;
