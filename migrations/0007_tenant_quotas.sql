ALTER TABLE `tenants` ADD `max_users` integer DEFAULT 1000000 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `max_groups` integer DEFAULT 100000 NOT NULL;