CREATE TABLE `directory_events` (
	`tenant_id` text NOT NULL,
	`seq` integer NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`actor` text NOT NULL,
	`occurred_at` text NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `seq`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `directory_events_id_unique` ON `directory_events` (`id`);--> statement-breakpoint
CREATE INDEX `directory_events_occurred_at` ON `directory_events` (`occurred_at`);--> statement-breakpoint
CREATE TABLE `webhook_dead_letters` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`endpoint_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`event_id` text NOT NULL,
	`seq` integer NOT NULL,
	`attempts` integer NOT NULL,
	`last_error` text NOT NULL,
	`at` text NOT NULL,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_dead_letters_endpoint` ON `webhook_dead_letters` (`endpoint_id`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`secret_sealed` text NOT NULL,
	`previous_secret_sealed` text,
	`previous_secret_until` text,
	`delivered_seq` integer NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`disabled_reason` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`failing_since` text,
	`last_error` text,
	`last_attempt_at` text,
	`last_success_at` text,
	`next_attempt_at` text,
	`lease_until` text,
	`ping_requested_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_endpoints_tenant` ON `webhook_endpoints` (`tenant_id`);