-- Each email row gets its index among its user's emails, in the order the rows were inserted (the
-- order of the user's `emails`), so that 0020 can key the table by (user_id, position).
ALTER TABLE `user_emails` ADD `position` integer;--> statement-breakpoint
UPDATE `user_emails` SET `position` = (SELECT count(*) FROM `user_emails` AS `earlier` WHERE `earlier`.`user_id` = `user_emails`.`user_id` AND `earlier`.rowid < `user_emails`.rowid);
