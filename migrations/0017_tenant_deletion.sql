ALTER TABLE `tenants` ADD `deleting_since` text;--> statement-breakpoint
CREATE INDEX `tenants_deleting` ON `tenants` (`deleting_since`) WHERE "tenants"."deleting_since" IS NOT NULL;