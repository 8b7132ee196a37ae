CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`resource_type` text,
	`resource_id` text,
	`outcome` text NOT NULL,
	`status` integer,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_tenant_at` ON `audit_log` (`tenant_id`,`at`);--> statement-breakpoint
CREATE TABLE `group_members` (
	`tenant_id` text NOT NULL,
	`group_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`group_id`, `user_id`),
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `group_members_user` ON `group_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `groups` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
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
CREATE UNIQUE INDEX `groups_id_unique` ON `groups` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `groups_tenant_display_name` ON `groups` (`tenant_id`,lower("display_name"));--> statement-breakpoint
CREATE INDEX `groups_tenant_external_id` ON `groups` (`tenant_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `groups_tenant_seq` ON `groups` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE INDEX `groups_tenant_updated` ON `groups` (`tenant_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `oidc_connections` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`issuer` text NOT NULL,
	`client_id` text NOT NULL,
	`client_secret_encrypted` text,
	`token_auth_method` text NOT NULL,
	`scopes` text NOT NULL,
	`groups_claim` text NOT NULL,
	`groups_filter` text NOT NULL,
	`jit` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `role_mappings` (
	`tenant_id` text NOT NULL,
	`group_name` text NOT NULL,
	`role` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `role_mappings_tenant_group` ON `role_mappings` (`tenant_id`,lower("group_name"));--> statement-breakpoint
CREATE TABLE `scim_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`label` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text,
	`expires_at` text,
	`revoked_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scim_tokens_token_hash_unique` ON `scim_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `scim_tokens_tenant` ON `scim_tokens` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `tenant_domains` (
	`domain` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`verified_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tenant_domains_tenant` ON `tenant_domains` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`scim_enabled` integer DEFAULT false NOT NULL,
	`roles` text NOT NULL,
	`default_role` text NOT NULL,
	`session_idle_seconds` integer DEFAULT 28800 NOT NULL,
	`session_absolute_seconds` integer DEFAULT 86400 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_slug_unique` ON `tenants` (`slug`);--> statement-breakpoint
CREATE TABLE `user_emails` (
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`value` text NOT NULL,
	`type` text,
	`primary` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `user_emails_tenant_value` ON `user_emails` (`tenant_id`,`value`);--> statement-breakpoint
CREATE INDEX `user_emails_user` ON `user_emails` (`user_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
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
CREATE UNIQUE INDEX `users_id_unique` ON `users` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_username` ON `users` (`tenant_id`,lower("user_name"));--> statement-breakpoint
CREATE INDEX `users_tenant_external_id` ON `users` (`tenant_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `users_tenant_display_name` ON `users` (`tenant_id`,lower("display_name"));--> statement-breakpoint
CREATE INDEX `users_tenant_seq` ON `users` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE INDEX `users_tenant_updated` ON `users` (`tenant_id`,`updated_at`);