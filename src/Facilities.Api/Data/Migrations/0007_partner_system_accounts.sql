-- A partner's system account: the author of the closure proposals its imports open for facilities whose record
-- disappeared at source while the partner does not own status (Features/Proposals/SourceClosures.cs). It has no
-- password and no e-mail, so nobody signs in as it; its reputation stays at the initial 1 (weight 0, and the ledger
-- never moves it), so only the community's votes decide those proposals.
alter table users add column system_partner_id uuid unique references partners(id);
