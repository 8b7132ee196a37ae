ALTER TABLE `scim_tokens` ADD `setup_link_id` text;--> statement-breakpoint
CREATE INDEX `scim_tokens_setup_link` ON `scim_tokens` (`setup_link_id`);