DROP INDEX "audit_log_at";--> statement-breakpoint
DROP INDEX "change_log_at";--> statement-breakpoint
DROP INDEX "resources_mesh";--> statement-breakpoint
DROP INDEX "resources_key";--> statement-breakpoint
CREATE UNIQUE INDEX "resources_key" ON "resources" USING btree ("mesh_name","kind","parent_name","name");