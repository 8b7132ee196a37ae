ALTER TABLE `tenants` DROP COLUMN `user_count`;--> statement-breakpoint
ALTER TABLE `tenants` DROP COLUMN `group_count`;