CREATE TABLE `idempotent_requests` (
	`api_key_id` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`status` integer,
	`response` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`api_key_id`, `key`),
	FOREIGN KEY (`api_key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idempotent_requests_created` ON `idempotent_requests` (`created_at`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `external_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_external_id_unique` ON `tenants` (`external_id`);