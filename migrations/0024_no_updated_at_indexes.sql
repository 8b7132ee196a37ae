DROP INDEX `groups_tenant_updated`;--> statement-breakpoint
DROP INDEX `users_tenant_updated`;