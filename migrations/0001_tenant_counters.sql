ALTER TABLE `tenants` ADD `user_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `group_count` integer DEFAULT 0 NOT NULL;