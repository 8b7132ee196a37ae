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
CREATE UNIQUE INDEX `signin_subjects_user_issuer` ON `signin_subjects` (`user_id`,`issuer`);--> statement-breakpoint
ALTER TABLE `oidc_connections` ADD `trust_unverified_email` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `oidc_connections` ADD `link_preferred_username` integer DEFAULT false NOT NULL;