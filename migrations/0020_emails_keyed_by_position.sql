PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_user_emails` (
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`position` integer NOT NULL,
	`value` text NOT NULL,
	`type` text,
	`primary` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`user_id`, `position`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_user_emails`("tenant_id", "user_id", "position", "value", "type", "primary") SELECT "tenant_id", "user_id", "position", "value", "type", "primary" FROM `user_emails`;--> statement-breakpoint
DROP TABLE `user_emails`;--> statement-breakpoint
ALTER TABLE `__new_user_emails` RENAME TO `user_emails`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `user_emails_tenant_value` ON `user_emails` (`tenant_id`,`value`);