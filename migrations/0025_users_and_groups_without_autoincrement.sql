-- `users` and `groups` keep their rowid `seq` without AUTOINCREMENT, so a create no longer writes
-- `sqlite_sequence` (docs/storage-schema.md). A new row still takes one past the highest `seq`, so
-- the order stays the order of creation; a deleted newest row's `seq` may be taken again.
-- Written by hand, not as drizzle-kit generated it: its rebuild relies on PRAGMA foreign_keys=OFF,
-- which D1 ignores, so dropping `users` would cascade to every email, membership and sign-in
-- subject. Here the three tables that reference `users` and `groups` are held in plain copies and
-- dropped first, the two parents are rebuilt with nothing referencing them, and the children are
-- made again as they were and refilled. test/node/migrations.test.ts checks every row is kept.
CREATE TABLE `user_emails_held` AS SELECT * FROM `user_emails`;--> statement-breakpoint
CREATE TABLE `group_members_held` AS SELECT * FROM `group_members`;--> statement-breakpoint
CREATE TABLE `signin_subjects_held` AS SELECT * FROM `signin_subjects`;--> statement-breakpoint
DROP TABLE `user_emails`;--> statement-breakpoint
DROP TABLE `group_members`;--> statement-breakpoint
DROP TABLE `signin_subjects`;--> statement-breakpoint
CREATE TABLE `groups_rebuilt` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`display_name` text NOT NULL,
	`external_id` text,
	`data` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `groups_rebuilt`("seq", "id", "tenant_id", "display_name", "external_id", "data", "version", "created_at", "updated_at") SELECT "seq", "id", "tenant_id", "display_name", "external_id", "data", "version", "created_at", "updated_at" FROM `groups`;--> statement-breakpoint
DROP TABLE `groups`;--> statement-breakpoint
ALTER TABLE `groups_rebuilt` RENAME TO `groups`;--> statement-breakpoint
CREATE UNIQUE INDEX `groups_id_unique` ON `groups` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `groups_tenant_display_name` ON `groups` (`tenant_id`,lower("display_name"));--> statement-breakpoint
CREATE INDEX `groups_tenant_external_id` ON `groups` (`tenant_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `groups_tenant_seq` ON `groups` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE TABLE `users_rebuilt` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`user_name` text NOT NULL,
	`external_id` text,
	`display_name` text,
	`active` integer DEFAULT true NOT NULL,
	`data` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `users_rebuilt`("seq", "id", "tenant_id", "user_name", "external_id", "display_name", "active", "data", "version", "created_at", "updated_at") SELECT "seq", "id", "tenant_id", "user_name", "external_id", "display_name", "active", "data", "version", "created_at", "updated_at" FROM `users`;--> statement-breakpoint
DROP TABLE `users`;--> statement-breakpoint
ALTER TABLE `users_rebuilt` RENAME TO `users`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_id_unique` ON `users` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_username` ON `users` (`tenant_id`,lower("user_name"));--> statement-breakpoint
CREATE INDEX `users_tenant_external_id` ON `users` (`tenant_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `users_tenant_display_name` ON `users` (`tenant_id`,lower("display_name"));--> statement-breakpoint
CREATE INDEX `users_tenant_seq` ON `users` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE INDEX `users_tenant_with_roles` ON `users` (`tenant_id`,`seq`) WHERE json_type("users"."data", '$.roles') IS NOT NULL;--> statement-breakpoint
CREATE TABLE `user_emails` (
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
INSERT INTO `user_emails`("tenant_id", "user_id", "position", "value", "type", "primary") SELECT "tenant_id", "user_id", "position", "value", "type", "primary" FROM `user_emails_held`;--> statement-breakpoint
DROP TABLE `user_emails_held`;--> statement-breakpoint
CREATE INDEX `user_emails_tenant_value` ON `user_emails` (`tenant_id`,`value`);--> statement-breakpoint
CREATE TABLE `group_members` (
	`tenant_id` text NOT NULL,
	`group_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`group_id`, `user_id`),
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `group_members`("tenant_id", "group_id", "user_id", "created_at") SELECT "tenant_id", "group_id", "user_id", "created_at" FROM `group_members_held`;--> statement-breakpoint
DROP TABLE `group_members_held`;--> statement-breakpoint
CREATE INDEX `group_members_user` ON `group_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `signin_subjects` (
	`tenant_id` text NOT NULL,
	`issuer` text NOT NULL,
	`subject` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `issuer`, `subject`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `signin_subjects`("tenant_id", "issuer", "subject", "user_id", "created_at") SELECT "tenant_id", "issuer", "subject", "user_id", "created_at" FROM `signin_subjects_held`;--> statement-breakpoint
DROP TABLE `signin_subjects_held`;--> statement-breakpoint
CREATE UNIQUE INDEX `signin_subjects_user_issuer` ON `signin_subjects` (`user_id`,`issuer`);
