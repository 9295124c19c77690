-- The queue's statements (jobs/queue_sql.py, jobs/room_guesses.py) for PostgreSQL.
-- Checked by tests/unit/test_queue_sql_golden.py; after an intended change run:
--   UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/test_queue_sql_golden.py

-- name: claim
-- parameters: worker_id, lease
--   %(stage_1)s = 'Restarting: the previous worker lost the job'
--   %(param_1)s = 'running'
--   %(attempt_1)s = 1
--   %(param_2)s = 0
--   %(state_1)s = 'running'
--   %(param_3)s = 'Restarting: the previous worker lost the job'
--   %(param_4)s = 'Starting'
--   %(claims_1)s = 1
--   %(state_2)s = 'running'
--   %(param_5)s = 1
--   %(state_3)s = 'pending'
--   %(param_6)s = 1
WITH claimed AS
(UPDATE jobs SET state=%(param_1)s, attempt=(jobs.attempt + %(attempt_1)s::INTEGER), locked_by=%(worker_id)s::VARCHAR, lease_expires_at=(now() + %(lease)s), progress=%(param_2)s::INTEGER, stage=CASE WHEN (jobs.state = %(state_1)s) THEN %(param_3)s::VARCHAR ELSE %(param_4)s::VARCHAR END, claims=(jobs.claims + %(claims_1)s::INTEGER), started_at=now(), updated_at=now() WHERE jobs.id = coalesce((SELECT jobs.id
FROM jobs
WHERE jobs.state = %(state_2)s AND jobs.lease_expires_at < now() ORDER BY jobs.lease_expires_at
 LIMIT %(param_5)s::INTEGER FOR UPDATE SKIP LOCKED), (SELECT jobs.id
FROM jobs
WHERE jobs.state = %(state_3)s AND jobs.run_after <= now() ORDER BY jobs.priority, jobs.id
 LIMIT %(param_6)s::INTEGER FOR UPDATE SKIP LOCKED)) RETURNING jobs.id, jobs.state, jobs.attempt, jobs.max_attempts, jobs.locked_by, jobs.lease_expires_at, jobs.started_at, jobs.stage, jobs.errors, jobs.errors_dropped, jobs.claims, jobs.input_key, jobs.room_type, jobs.mode, jobs.style_snapshot, jobs.options, jobs.variants, jobs.seed),
noted AS
(INSERT INTO job_claims (job_id, claim, worker_id, attempt, reclaimed, claimed_at) SELECT claimed.id AS id, claimed.claims AS claims, claimed.locked_by AS locked_by, claimed.attempt AS attempt, claimed.stage = %(stage_1)s::VARCHAR AS anon_1, claimed.started_at AS started_at
FROM claimed)
 SELECT claimed.id, claimed.state, claimed.attempt, claimed.max_attempts, claimed.locked_by, claimed.lease_expires_at, claimed.started_at, claimed.stage, claimed.errors, claimed.errors_dropped, claimed.claims, claimed.input_key, claimed.room_type, claimed.mode, claimed.style_snapshot, claimed.options, claimed.variants, claimed.seed
FROM claimed;

-- name: note_lost
-- parameters: new_errors, new_errors_dropped, job_id, worker_id, claim
--   %(state_1)s = 'running'
UPDATE jobs SET errors=%(new_errors)s::JSONB, errors_dropped=%(new_errors_dropped)s::INTEGER, updated_at=now() WHERE jobs.id = %(job_id)s::BIGINT AND jobs.state = %(state_1)s AND jobs.locked_by = %(worker_id)s::VARCHAR AND jobs.claims = %(claim)s::INTEGER RETURNING jobs.id, jobs.state, jobs.attempt, jobs.max_attempts, jobs.locked_by, jobs.lease_expires_at, jobs.started_at, jobs.stage, jobs.errors, jobs.errors_dropped, jobs.claims, jobs.input_key, jobs.room_type, jobs.mode, jobs.style_snapshot, jobs.options, jobs.variants, jobs.seed;

-- name: fail_lost
-- parameters: new_errors, new_errors_dropped, job_id, worker_id, claim
--   %(state)s = 'failed'
--   %(attempt_1)s = 1
--   %(locked_by)s = None
--   %(lease_expires_at)s = None
--   %(stage)s = 'Failed'
--   %(state_1)s = 'running'
UPDATE jobs SET state=%(state)s, attempt=(jobs.attempt - %(attempt_1)s::INTEGER), locked_by=%(locked_by)s::VARCHAR, lease_expires_at=%(lease_expires_at)s::TIMESTAMP WITH TIME ZONE, stage=%(stage)s::VARCHAR, errors=%(new_errors)s::JSONB, errors_dropped=%(new_errors_dropped)s::INTEGER, finished_at=now(), updated_at=now() WHERE jobs.id = %(job_id)s::BIGINT AND jobs.state = %(state_1)s AND jobs.locked_by = %(worker_id)s::VARCHAR AND jobs.claims = %(claim)s::INTEGER RETURNING jobs.id, jobs.state, jobs.attempt, jobs.max_attempts, jobs.locked_by, jobs.lease_expires_at, jobs.started_at, jobs.stage, jobs.errors, jobs.errors_dropped, jobs.claims, jobs.input_key, jobs.room_type, jobs.mode, jobs.style_snapshot, jobs.options, jobs.variants, jobs.seed;

-- name: heartbeat
-- parameters: lease, new_progress, new_stage, job_id, worker_id, claim
--   %(state_1)s = 'running'
UPDATE jobs SET lease_expires_at=(now() + %(lease)s), progress=%(new_progress)s::INTEGER, stage=%(new_stage)s::VARCHAR, updated_at=now() WHERE jobs.id = %(job_id)s::BIGINT AND jobs.state = %(state_1)s AND jobs.locked_by = %(worker_id)s::VARCHAR AND jobs.claims = %(claim)s::INTEGER RETURNING jobs.cancel_requested_at;

-- name: complete
-- parameters: new_result_keys, new_mask_key, new_seeds, new_scores, new_room_type_guess, generator_name, new_has_clean_copies, job_id, worker_id, claim
--   %(state)s = 'completed'
--   %(locked_by)s = None
--   %(lease_expires_at)s = None
--   %(progress)s = 100
--   %(stage)s = 'Done'
--   %(state_1)s = 'running'
UPDATE jobs SET state=%(state)s, locked_by=%(locked_by)s::VARCHAR, lease_expires_at=%(lease_expires_at)s::TIMESTAMP WITH TIME ZONE, progress=%(progress)s::INTEGER, stage=%(stage)s::VARCHAR, result_keys=%(new_result_keys)s::JSONB, mask_key=%(new_mask_key)s::VARCHAR, result_seeds=%(new_seeds)s::JSONB, result_scores=%(new_scores)s::JSONB, room_type_guess=%(new_room_type_guess)s::VARCHAR, generator=%(generator_name)s::VARCHAR, has_clean_copies=%(new_has_clean_copies)s, finished_at=now(), updated_at=now() WHERE jobs.id = %(job_id)s::BIGINT AND jobs.state = %(state_1)s AND jobs.locked_by = %(worker_id)s::VARCHAR AND jobs.claims = %(claim)s::INTEGER;

-- name: retry
-- parameters: delay, new_errors, new_errors_dropped, job_id, worker_id, claim
--   %(state)s = 'pending'
--   %(locked_by)s = None
--   %(lease_expires_at)s = None
--   %(stage)s = 'Waiting to retry'
--   %(state_1)s = 'running'
UPDATE jobs SET state=%(state)s, run_after=(now() + %(delay)s), locked_by=%(locked_by)s::VARCHAR, lease_expires_at=%(lease_expires_at)s::TIMESTAMP WITH TIME ZONE, stage=%(stage)s::VARCHAR, errors=%(new_errors)s::JSONB, errors_dropped=%(new_errors_dropped)s::INTEGER, updated_at=now() WHERE jobs.id = %(job_id)s::BIGINT AND jobs.state = %(state_1)s AND jobs.locked_by = %(worker_id)s::VARCHAR AND jobs.claims = %(claim)s::INTEGER;

-- name: postpone
-- parameters: delay, new_errors, new_errors_dropped, job_id, worker_id, claim
--   %(state)s = 'pending'
--   %(attempt_1)s = 1
--   %(locked_by)s = None
--   %(lease_expires_at)s = None
--   %(progress)s = 0
--   %(stage)s = 'Waiting for storage or database'
--   %(state_1)s = 'running'
UPDATE jobs SET state=%(state)s, run_after=(now() + %(delay)s), attempt=(jobs.attempt - %(attempt_1)s::INTEGER), locked_by=%(locked_by)s::VARCHAR, lease_expires_at=%(lease_expires_at)s::TIMESTAMP WITH TIME ZONE, progress=%(progress)s::INTEGER, stage=%(stage)s::VARCHAR, errors=%(new_errors)s::JSONB, errors_dropped=%(new_errors_dropped)s::INTEGER, updated_at=now() WHERE jobs.id = %(job_id)s::BIGINT AND jobs.state = %(state_1)s AND jobs.locked_by = %(worker_id)s::VARCHAR AND jobs.claims = %(claim)s::INTEGER;

-- name: fail
-- parameters: new_errors, new_errors_dropped, job_id, worker_id, claim
--   %(state)s = 'failed'
--   %(locked_by)s = None
--   %(lease_expires_at)s = None
--   %(stage)s = 'Failed'
--   %(state_1)s = 'running'
UPDATE jobs SET state=%(state)s, locked_by=%(locked_by)s::VARCHAR, lease_expires_at=%(lease_expires_at)s::TIMESTAMP WITH TIME ZONE, stage=%(stage)s::VARCHAR, errors=%(new_errors)s::JSONB, errors_dropped=%(new_errors_dropped)s::INTEGER, finished_at=now(), updated_at=now() WHERE jobs.id = %(job_id)s::BIGINT AND jobs.state = %(state_1)s AND jobs.locked_by = %(worker_id)s::VARCHAR AND jobs.claims = %(claim)s::INTEGER;

-- name: cancel
-- parameters: job_id, worker_id, claim
--   %(state)s = 'cancelled'
--   %(locked_by)s = None
--   %(lease_expires_at)s = None
--   %(stage)s = 'Cancelled'
--   %(state_1)s = 'running'
UPDATE jobs SET state=%(state)s, locked_by=%(locked_by)s::VARCHAR, lease_expires_at=%(lease_expires_at)s::TIMESTAMP WITH TIME ZONE, stage=%(stage)s::VARCHAR, finished_at=now(), updated_at=now() WHERE jobs.id = %(job_id)s::BIGINT AND jobs.state = %(state_1)s AND jobs.locked_by = %(worker_id)s::VARCHAR AND jobs.claims = %(claim)s::INTEGER;

-- name: release
-- parameters: job_id, worker_id, claim
--   %(state)s = 'pending'
--   %(attempt_1)s = 1
--   %(locked_by)s = None
--   %(lease_expires_at)s = None
--   %(progress)s = 0
--   %(stage)s = 'Queued'
--   %(state_1)s = 'running'
UPDATE jobs SET state=%(state)s, run_after=now(), attempt=(jobs.attempt - %(attempt_1)s::INTEGER), locked_by=%(locked_by)s::VARCHAR, lease_expires_at=%(lease_expires_at)s::TIMESTAMP WITH TIME ZONE, progress=%(progress)s::INTEGER, stage=%(stage)s::VARCHAR, updated_at=now() WHERE jobs.id = %(job_id)s::BIGINT AND jobs.state = %(state_1)s AND jobs.locked_by = %(worker_id)s::VARCHAR AND jobs.claims = %(claim)s::INTEGER;

-- name: fleet_beat
-- parameters: job_id, worker_id
UPDATE workers SET last_heartbeat_at=now(), current_job_id=%(job_id)s::BIGINT WHERE workers.id = %(worker_id)s::VARCHAR;

-- name: fleet_touch
-- parameters: worker_id
UPDATE workers SET last_heartbeat_at=now() WHERE workers.id = %(worker_id)s::VARCHAR;

-- name: fleet_done
-- parameters: job_id, worker_id
--   %(jobs_done_1)s = 1
UPDATE workers SET last_heartbeat_at=now(), current_job_id=%(job_id)s::BIGINT, jobs_done=(workers.jobs_done + %(jobs_done_1)s::INTEGER) WHERE workers.id = %(worker_id)s::VARCHAR;

-- name: fleet_failed
-- parameters: job_id, worker_id
--   %(jobs_failed_1)s = 1
UPDATE workers SET last_heartbeat_at=now(), current_job_id=%(job_id)s::BIGINT, jobs_failed=(workers.jobs_failed + %(jobs_failed_1)s::INTEGER) WHERE workers.id = %(worker_id)s::VARCHAR;

-- name: fleet_delete
-- parameters: worker_id
DELETE FROM workers WHERE workers.id = %(worker_id)s::VARCHAR;

-- name: guess_claim
-- parameters: worker_id
--   %(state)s = 'running'
--   %(state_1)s = 'pending'
--   %(param_1)s = 1
UPDATE room_guesses SET state=%(state)s, locked_by=%(worker_id)s::VARCHAR WHERE room_guesses.id = (SELECT room_guesses.id
FROM room_guesses
WHERE room_guesses.state = %(state_1)s ORDER BY room_guesses.id
 LIMIT %(param_1)s::INTEGER FOR UPDATE SKIP LOCKED) RETURNING room_guesses.id, room_guesses.photo_key;

-- name: guess_finish
-- parameters: new_state, guessed, at, guess_id, worker_id
--   %(locked_by)s = None
--   %(state_1)s = 'running'
UPDATE room_guesses SET state=%(new_state)s, room_type=%(guessed)s::VARCHAR, locked_by=%(locked_by)s::VARCHAR, answered_at=%(at)s::TIMESTAMP WITH TIME ZONE WHERE room_guesses.id = %(guess_id)s::INTEGER AND room_guesses.state = %(state_1)s AND room_guesses.locked_by = %(worker_id)s::VARCHAR;
