CREATE TABLE `change_log_followers` (
	`follower_id` text PRIMARY KEY NOT NULL,
	`position` integer NOT NULL,
	`reported_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `commit_guards` (
	`stale` integer NOT NULL,
	CONSTRAINT "meshplane_stale_revision" CHECK("commit_guards"."stale" = 0)
);
--> statement-breakpoint
CREATE INDEX `change_log_at` ON `change_log` (`at`);