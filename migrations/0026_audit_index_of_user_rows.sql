DROP INDEX `audit_log_tenant_resource_at`;--> statement-breakpoint
CREATE INDEX `audit_log_tenant_user_at` ON `audit_log` (`tenant_id`,`resource_id`,`at`) WHERE resource_type = 'User';