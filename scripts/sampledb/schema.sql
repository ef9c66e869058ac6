-- Sample database for pgexport: the schema.
--
-- Modeled on a household-goods moving application for service members (orders, moves,
-- shipments, service items, payment requests, personally procured moves, an audit trail).
-- The point is not the business logic but the shapes pgexport must export losslessly:
--   * uuid primary keys everywhere, enum types (some with spaces in their labels),
--   * timestamptz next to plain timestamp, date, interval,
--   * numeric(p,s) next to unbounded numeric, float4/float8, bigint, smallint,
--   * jsonb payloads (audit_history) and plain json (webhook_notifications keeps key order,
--     whitespace and duplicate keys, which jsonb would normalise),
--   * text[], integer[], uuid[], int4range, daterange, tstzrange, bytea, boolean, oid,
--   * a range-partitioned table with a default partition (tracking_events),
--   * a table without a primary key (users_roles), an empty table,
--   * a stored generated column, an identity column, a dropped column,
--   * names that need quoting: ghc."ReServiceItemParams", public."office notes", and columns
--     named "order", "user", "from".
--
-- Foreign keys and secondary indexes are added by constraints.sql after data.sql has loaded
-- the rows: one validating join per key is much faster than a trigger call per inserted row.
--
-- Re-runnable: psql variable replace_existing (default true) drops everything this file
-- created before, so running it again starts afresh. load.sh sets it to false unless given
-- --drop; then existing sample objects stop the load instead of being dropped, so a
-- database holding other data is never cleared by accident.

\set ON_ERROR_STOP 1
\if :{?replace_existing}
\else
    \set replace_existing true
\endif

--------------------------------------------------------------------------------------------
-- Drop (or refuse to replace) what a previous load created. One list serves both the
-- check and the drop; tables go before types, since their columns use the types.
--------------------------------------------------------------------------------------------
-- A custom setting carries the psql variable into the DO block (psql does not substitute
-- variables inside dollar quotes).
SET pgexport_sampledb.replace_existing = :'replace_existing';

DO $drop_previous_load$
DECLARE
    sample_tables text[] := ARRAY[
        'public.tracking_events',
        'public.audit_history',
        'public.webhook_notifications',
        'public.webhook_subscriptions',
        'public.notifications',
        'public."office notes"',
        'public.prime_api_maintenance_windows',
        'public.moving_expenses',
        'public.progear_weight_tickets',
        'public.weight_tickets',
        'public.ppm_shipments',
        'public.customer_support_remarks',
        'public.sit_extensions',
        'public.reweighs',
        'public.payment_service_items',
        'public.payment_requests',
        'public.mto_service_items',
        'public.re_services',
        'public.mto_shipments',
        'public.moves',
        'public.orders',
        'public.entitlements',
        'public.user_uploads',
        'public.uploads',
        'public.documents',
        'public.service_members',
        'public.office_users',
        'public.users_roles',
        'public.roles',
        'public.users',
        'public.duty_locations',
        'public.transportation_offices',
        'public.addresses',
        'public.contractors',
        'public.pay_grades'
    ];
    sample_types text[] := ARRAY[
        'public.affiliation',
        'public.orders_type',
        'public.move_status',
        'public.mto_shipment_type',
        'public.mto_shipment_status',
        'public.service_item_status',
        'public.payment_request_status',
        'public.payment_service_item_status',
        'public.ppm_shipment_status',
        'public.ppm_advance_status',
        'public.sit_extension_status',
        'public.sit_extension_request_reason',
        'public.reweigh_requester',
        'public.moving_expense_type',
        'public.upload_type',
        'public.notification_type',
        'public.webhook_subscription_status'
    ];
    existing_objects text[];
BEGIN
    SELECT array_agg(name)
      INTO existing_objects
      FROM (SELECT name FROM unnest(sample_tables) AS name WHERE to_regclass(name) IS NOT NULL
            UNION ALL
            SELECT name FROM unnest(sample_types) AS name WHERE to_regtype(name) IS NOT NULL
            UNION ALL
            SELECT 'schema ghc' WHERE to_regnamespace('ghc') IS NOT NULL) AS found;

    IF existing_objects IS NULL THEN
        RETURN;
    END IF;
    IF NOT current_setting('pgexport_sampledb.replace_existing')::boolean THEN
        RAISE EXCEPTION '% sample database objects already exist: %',
                        cardinality(existing_objects),
                        array_to_string(existing_objects[1:3], ', ')
                            || CASE WHEN cardinality(existing_objects) > 3 THEN ', ...' ELSE '' END
            USING HINT = 'Run scripts/sampledb/load.sh with --drop to replace them.';
    END IF;

    SET LOCAL client_min_messages = warning;  -- quiet the NOTICEs of DROP ... IF EXISTS
    DROP SCHEMA IF EXISTS ghc CASCADE;
    EXECUTE 'DROP TABLE IF EXISTS ' || array_to_string(sample_tables, ', ') || ' CASCADE';
    EXECUTE 'DROP TYPE IF EXISTS ' || array_to_string(sample_types, ', ') || ' CASCADE';
END
$drop_previous_load$;

--------------------------------------------------------------------------------------------
-- Enum types. Several labels contain spaces, as the application's real ones do, so that
-- exporters cannot assume enum labels are identifiers.
--------------------------------------------------------------------------------------------
CREATE TYPE public.affiliation AS ENUM (
    'ARMY', 'NAVY', 'MARINES', 'AIR_FORCE', 'COAST_GUARD', 'SPACE_FORCE', 'OTHER');

CREATE TYPE public.orders_type AS ENUM (
    'PERMANENT_CHANGE_OF_STATION', 'LOCAL_MOVE', 'RETIREMENT', 'SEPARATION',
    'TEMPORARY_DUTY', 'BLUEBARK');

CREATE TYPE public.move_status AS ENUM (
    'DRAFT', 'NEEDS SERVICE COUNSELING', 'SERVICE COUNSELING COMPLETED', 'SUBMITTED',
    'APPROVALS REQUESTED', 'APPROVED', 'CANCELED');

CREATE TYPE public.mto_shipment_type AS ENUM (
    'HHG', 'HHG_INTO_NTS_DOMESTIC', 'HHG_OUTOF_NTS_DOMESTIC', 'PPM', 'BOAT_HAUL_AWAY',
    'MOBILE_HOME');

CREATE TYPE public.mto_shipment_status AS ENUM (
    'DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED', 'CANCELLATION_REQUESTED', 'CANCELED',
    'DIVERSION_REQUESTED');

CREATE TYPE public.service_item_status AS ENUM ('SUBMITTED', 'APPROVED', 'REJECTED');

CREATE TYPE public.payment_request_status AS ENUM (
    'PENDING', 'REVIEWED', 'REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED', 'SENT_TO_GEX',
    'RECEIVED_BY_GEX', 'PAID', 'EDI_ERROR', 'DEPRECATED');

CREATE TYPE public.payment_service_item_status AS ENUM (
    'REQUESTED', 'APPROVED', 'DENIED', 'SENT_TO_GEX', 'PAID', 'EDI_ERROR');

CREATE TYPE public.ppm_shipment_status AS ENUM (
    'DRAFT', 'SUBMITTED', 'WAITING_ON_CUSTOMER', 'NEEDS_ADVANCE_APPROVAL', 'NEEDS_CLOSEOUT',
    'CLOSEOUT_COMPLETE', 'CANCELED');

CREATE TYPE public.ppm_advance_status AS ENUM ('APPROVED', 'EDITED', 'REJECTED', 'RECEIVED',
    'NOT RECEIVED');

CREATE TYPE public.sit_extension_status AS ENUM ('PENDING', 'APPROVED', 'DENIED');

CREATE TYPE public.sit_extension_request_reason AS ENUM (
    'SERIOUS_ILLNESS_MEMBER', 'SERIOUS_ILLNESS_DEPENDENT', 'IMPENDING_ASSIGNEMENT',
    'DIRECTED_TEMPORARY_DUTY', 'NONAVAILABILITY_OF_CIVILIAN_HOUSING', 'AWAITING_COMPLETION_OF_RESIDENCE',
    'OTHER');

CREATE TYPE public.reweigh_requester AS ENUM ('CUSTOMER', 'PRIME', 'SYSTEM', 'TOO');

CREATE TYPE public.moving_expense_type AS ENUM (
    'CONTRACTED_EXPENSE', 'OIL', 'PACKING_MATERIALS', 'RENTAL_EQUIPMENT', 'STORAGE', 'TOLLS',
    'WEIGHING_FEE', 'OTHER');

CREATE TYPE public.upload_type AS ENUM ('USER', 'PRIME', 'OFFICE');

CREATE TYPE public.notification_type AS ENUM (
    'MOVE_APPROVED', 'MOVE_CANCELED', 'MOVE_REVIEWED', 'MOVE_SUBMITTED',
    'MOVE_PAYMENT_REMINDER', 'PPM_CLOSEOUT_REMINDER');

CREATE TYPE public.webhook_subscription_status AS ENUM ('ACTIVE', 'FAILING', 'DISABLED');

--------------------------------------------------------------------------------------------
-- Catalog tables: fixed size whatever the scale.
--------------------------------------------------------------------------------------------
CREATE TABLE public.pay_grades (
    id                uuid PRIMARY KEY,
    grade             text NOT NULL UNIQUE,
    grade_description text,
    rank_order        smallint NOT NULL,   -- smallint: exporters must keep the 16-bit width
    created_at        timestamp NOT NULL,
    updated_at        timestamp NOT NULL
);

CREATE TABLE public.contractors (
    id              uuid PRIMARY KEY,
    name            text NOT NULL,
    contract_number text NOT NULL UNIQUE,
    type            text NOT NULL,
    created_at      timestamp NOT NULL,
    updated_at      timestamp NOT NULL
);

CREATE TABLE public.roles (
    id         uuid PRIMARY KEY,
    role_type  text NOT NULL UNIQUE,
    role_name  text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL
);

CREATE TABLE public.re_services (
    id         uuid PRIMARY KEY,
    code       text NOT NULL UNIQUE,
    name       text NOT NULL,
    priority   integer NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL
);

--------------------------------------------------------------------------------------------
-- Places.
--------------------------------------------------------------------------------------------
CREATE TABLE public.addresses (
    id               uuid PRIMARY KEY,
    street_address_1 text NOT NULL,
    street_address_2 text,          -- NULL, '' and real values all occur
    street_address_3 text,
    city             text NOT NULL,
    state            char(2) NOT NULL,
    postal_code      text NOT NULL, -- leading zeros ('02134') must survive: never a number
    country          text NOT NULL DEFAULT 'US',
    county           text,
    is_oconus        boolean NOT NULL DEFAULT false,
    created_at       timestamp NOT NULL,
    updated_at       timestamp NOT NULL
);

CREATE TABLE public.transportation_offices (
    id                 uuid PRIMARY KEY,
    shipping_office_id uuid,          -- self reference: an office ships for others
    name               text NOT NULL,
    address_id         uuid NOT NULL,
    gbloc              varchar(4),
    latitude           real NOT NULL, -- float4 on purpose: exporters must not widen digits
    longitude          real NOT NULL,
    hours              text,
    services           text,
    note               text,
    service_area_zip3s integer[],     -- integer[] incl. empty arrays and NULL
    provides_ppm_closeout boolean NOT NULL,
    created_at         timestamp NOT NULL,
    updated_at         timestamp NOT NULL
);

CREATE TABLE public.duty_locations (
    id                           uuid PRIMARY KEY,
    name                         text NOT NULL,
    affiliation                  public.affiliation,
    address_id                   uuid NOT NULL,
    transportation_office_id     uuid,
    provides_services_counseling boolean NOT NULL,
    aliases                      text[],  -- text[] with elements that need quoting
    created_at                   timestamp NOT NULL,
    updated_at                   timestamp NOT NULL
);

--------------------------------------------------------------------------------------------
-- People.
--------------------------------------------------------------------------------------------
CREATE TABLE public.users (
    id                        uuid PRIMARY KEY,
    okta_id                   text UNIQUE,
    okta_email                text NOT NULL,
    active                    boolean NOT NULL DEFAULT true,
    current_mil_session_id    text,
    current_office_session_id text,
    current_admin_session_id  text,
    created_at                timestamp NOT NULL,
    updated_at                timestamp NOT NULL
);

-- A join table with no primary key and no unique constraint, as legacy join tables often
-- are. It even holds a few exact duplicate rows, so an exporter cannot rely on a key to
-- split, order or de-duplicate it.
CREATE TABLE public.users_roles (
    user_id    uuid NOT NULL,
    role_id    uuid NOT NULL,
    created_at timestamp NOT NULL,
    deleted_at timestamptz
);

CREATE TABLE public.office_users (
    id                       uuid PRIMARY KEY,
    user_id                  uuid,
    first_name               text NOT NULL,
    last_name                text NOT NULL,
    middle_initials          text,
    email                    text NOT NULL,
    telephone                text NOT NULL,
    transportation_office_id uuid NOT NULL,
    active                   boolean NOT NULL,
    created_at               timestamp NOT NULL,
    updated_at               timestamp NOT NULL
);

CREATE TABLE public.service_members (
    id                        uuid PRIMARY KEY,
    user_id                   uuid NOT NULL,
    edipi                     text UNIQUE,  -- ten digits, some with leading zeros
    emplid                    text,
    affiliation               public.affiliation,
    grade                     text,
    first_name                text,
    middle_name               text,
    last_name                 text,
    suffix                    text,
    telephone                 text,
    secondary_telephone       text,
    personal_email            text,
    phone_is_preferred        boolean,
    email_is_preferred        boolean,
    residential_address_id    uuid,
    backup_mailing_address_id uuid,
    duty_location_id          uuid,
    cac_validated             boolean NOT NULL DEFAULT false,
    created_at                timestamp NOT NULL,
    updated_at                timestamp NOT NULL
);

CREATE TABLE public.documents (
    id                uuid PRIMARY KEY,
    service_member_id uuid NOT NULL,
    created_at        timestamp NOT NULL,
    updated_at        timestamp NOT NULL,
    deleted_at        timestamptz
);

CREATE TABLE public.uploads (
    id           uuid PRIMARY KEY,
    filename     text NOT NULL,      -- user-chosen names: commas, quotes, unicode
    bytes        bigint NOT NULL,
    content_type text NOT NULL,
    checksum     text NOT NULL,      -- base64 of the MD5, as S3 reports it
    content_md5  bytea NOT NULL,     -- the same digest as raw bytes
    storage_key  text NOT NULL,
    upload_type  public.upload_type NOT NULL,
    created_at   timestamp NOT NULL,
    updated_at   timestamp NOT NULL,
    deleted_at   timestamptz
);

CREATE TABLE public.user_uploads (
    id          uuid PRIMARY KEY,
    document_id uuid,
    uploader_id uuid NOT NULL,
    upload_id   uuid NOT NULL UNIQUE,
    "order"     integer NOT NULL,    -- reserved word as a column name: position in document
    created_at  timestamp NOT NULL,
    updated_at  timestamp NOT NULL,
    deleted_at  timestamptz
);

--------------------------------------------------------------------------------------------
-- Orders and moves.
--------------------------------------------------------------------------------------------
CREATE TABLE public.entitlements (
    id                                           uuid PRIMARY KEY,
    dependents_authorized                        boolean,
    total_dependents                             integer,
    non_temporary_storage                        boolean,
    privately_owned_vehicle                      boolean,
    authorized_weight                            integer,
    pro_gear_weight                              integer NOT NULL,
    pro_gear_weight_spouse                       integer NOT NULL,
    required_medical_equipment_weight            integer NOT NULL DEFAULT 0,
    storage_in_transit                           integer,
    organizational_clothing_and_individual_equipment boolean NOT NULL DEFAULT false,
    created_at                                   timestamp NOT NULL,
    updated_at                                   timestamp NOT NULL
);

CREATE TABLE public.orders (
    id                        uuid PRIMARY KEY,
    service_member_id         uuid NOT NULL,
    issue_date                date NOT NULL,
    report_by_date            date NOT NULL,
    report_window             daterange,    -- daterange, canonical [) form
    orders_type               public.orders_type NOT NULL,
    orders_number             text,
    has_dependents            boolean NOT NULL,
    spouse_has_pro_gear       boolean NOT NULL,
    origin_duty_location_id   uuid,
    new_duty_location_id      uuid NOT NULL,
    uploaded_orders_id        uuid NOT NULL,
    amended_upload_ids        uuid[],       -- uuid[]: arrays of a non-text element type
    entitlement_id            uuid,
    grade                     text,
    status                    text NOT NULL,
    tac                       text,
    sac                       text,
    department_indicator      text,
    legacy_dependents_count   smallint,     -- dropped below; see the ALTER TABLE
    created_at                timestamp NOT NULL,
    updated_at                timestamp NOT NULL
);

-- A column dropped by a later migration stays in pg_attribute with attisdropped = true.
-- Exporters that walk attnum without filtering dropped columns misalign every later column.
ALTER TABLE public.orders DROP COLUMN legacy_dependents_count;

CREATE TABLE public.moves (
    id                              uuid PRIMARY KEY,
    locator                         text NOT NULL UNIQUE,
    orders_id                       uuid NOT NULL,
    contractor_id                   uuid,
    status                          public.move_status NOT NULL,
    selected_move_type              public.mto_shipment_type,
    show                            boolean NOT NULL DEFAULT true,
    submitted_at                    timestamptz,
    service_counseling_completed_at timestamptz,
    approvals_requested_at          timestamptz,
    available_to_prime_at           timestamptz,
    excess_weight_qualified_at      timestamptz,
    cancel_reason                   text,
    reference_id                    text,
    tio_remarks                     text,
    financial_review_flag           boolean NOT NULL DEFAULT false,
    financial_review_remarks        text,
    closeout_office_id              uuid,
    prime_counseling_flags          text[],
    created_at                      timestamp NOT NULL,
    updated_at                      timestamp NOT NULL
);

CREATE TABLE public.mto_shipments (
    id                            uuid PRIMARY KEY,
    move_id                       uuid NOT NULL,
    shipment_type                 public.mto_shipment_type NOT NULL,
    status                        public.mto_shipment_status NOT NULL,
    requested_pickup_date         date,
    requested_delivery_date       date,
    scheduled_pickup_date         date,
    actual_pickup_date            date,
    required_delivery_date        date,
    prime_estimated_weight        integer,
    prime_actual_weight           integer,
    billable_weight_cap           integer,
    billable_weight_justification text,
    pickup_address_id             uuid,
    destination_address_id        uuid,
    customer_remarks              text,     -- free text typed by customers: every hard case
    counselor_remarks             text,
    approved_date                 timestamptz,
    diversion                     boolean NOT NULL DEFAULT false,
    uses_external_vendor          boolean NOT NULL DEFAULT false,
    sit_days_allowance            integer,
    estimated_transit             interval, -- interval: months, days and time kept apart
    distance_miles                numeric(10, 2),
    deleted_at                    timestamptz,
    created_at                    timestamp NOT NULL,
    updated_at                    timestamp NOT NULL
);

CREATE TABLE public.mto_service_items (
    id                          uuid PRIMARY KEY,
    move_id                     uuid NOT NULL,
    mto_shipment_id             uuid,       -- NULL for move-level items (management, counseling)
    re_service_id               uuid NOT NULL,
    status                      public.service_item_status NOT NULL,
    reason                      text,
    rejection_reason            text,
    pickup_postal_code          text,
    description                 text,
    estimated_quantity          numeric,    -- unbounded numeric: scale varies per row
    sit_entry_date              date,
    sit_departure_date          date,
    sit_window                  daterange,
    customer_contact_minutes    integer[],
    approved_at                 timestamptz,
    rejected_at                 timestamptz,
    created_at                  timestamp NOT NULL,
    updated_at                  timestamp NOT NULL
);

CREATE TABLE public.payment_requests (
    id                                  uuid PRIMARY KEY,
    move_id                             uuid NOT NULL,
    payment_request_number              text NOT NULL UNIQUE,
    sequence_number                     integer NOT NULL,
    is_final                            boolean NOT NULL DEFAULT false,
    status                              public.payment_request_status NOT NULL,
    rejection_reason                    text,
    recalculation_of_payment_request_id uuid,   -- self reference
    requested_at                        timestamptz NOT NULL,
    reviewed_at                         timestamptz,
    sent_to_gex_at                      timestamptz,
    received_by_gex_at                  timestamptz,
    paid_at                             timestamptz,
    created_at                          timestamp NOT NULL,
    updated_at                          timestamp NOT NULL
);

CREATE TABLE public.payment_service_items (
    id                  uuid PRIMARY KEY,
    payment_request_id  uuid NOT NULL,
    mto_service_item_id uuid NOT NULL,
    status              public.payment_service_item_status NOT NULL,
    price               numeric(12, 2),   -- negative for credits; NULL until priced
    price_cents         bigint,
    rejection_reason    text,
    reference_id        text NOT NULL,
    requested_at        timestamptz NOT NULL,
    approved_at         timestamptz,
    denied_at           timestamptz,
    sent_to_gex_at      timestamptz,
    paid_at             timestamptz,
    created_at          timestamp NOT NULL,
    updated_at          timestamp NOT NULL
);

CREATE TABLE public.reweighs (
    id                       uuid PRIMARY KEY,
    shipment_id              uuid NOT NULL UNIQUE,
    requested_at             timestamptz NOT NULL,
    requested_by             public.reweigh_requester NOT NULL,
    verification_provided_at timestamptz,
    verification_reason      text,
    weight                   integer,
    created_at               timestamp NOT NULL,
    updated_at               timestamp NOT NULL
);

CREATE TABLE public.sit_extensions (
    id                 uuid PRIMARY KEY,
    mto_shipment_id    uuid NOT NULL,
    request_reason     public.sit_extension_request_reason NOT NULL,
    contractor_remarks text,
    requested_days     integer NOT NULL,
    status             public.sit_extension_status NOT NULL,
    approved_days      integer,
    decision_date      timestamptz,
    office_remarks     text,
    created_at         timestamp NOT NULL,
    updated_at         timestamp NOT NULL
);

CREATE TABLE public.customer_support_remarks (
    id             uuid PRIMARY KEY,
    move_id        uuid NOT NULL,
    office_user_id uuid NOT NULL,
    content        text NOT NULL,   -- commas, quotes, newlines, tabs, backslashes, emoji, RTL
    created_at     timestamp NOT NULL,
    updated_at     timestamp NOT NULL,
    deleted_at     timestamptz
);

--------------------------------------------------------------------------------------------
-- Personally procured moves (the member moves their own goods and is reimbursed).
--------------------------------------------------------------------------------------------
CREATE TABLE public.ppm_shipments (
    id                       uuid PRIMARY KEY,
    shipment_id              uuid NOT NULL UNIQUE,
    status                   public.ppm_shipment_status NOT NULL,
    expected_departure_date  date NOT NULL,
    actual_move_date         date,
    submitted_at             timestamptz,
    reviewed_at              timestamptz,
    approved_at              timestamptz,
    pickup_postal_code       text NOT NULL,
    destination_postal_code  text NOT NULL,
    sit_expected             boolean,
    estimated_weight         integer,
    has_pro_gear             boolean,
    pro_gear_weight          integer,
    spouse_pro_gear_weight   integer,
    estimated_incentive      integer,
    final_incentive          numeric(12, 2),
    has_requested_advance    boolean,
    advance_amount_requested integer,
    advance_status           public.ppm_advance_status,
    created_at               timestamp NOT NULL,
    updated_at               timestamp NOT NULL,
    deleted_at               timestamptz
);

CREATE TABLE public.weight_tickets (
    id                     uuid PRIMARY KEY,
    ppm_shipment_id        uuid NOT NULL,
    vehicle_description    text,
    empty_weight           integer,
    full_weight            integer,
    -- A stored generated column. "COPY weight_tickets TO" silently leaves it out, and naming
    -- it in COPY's column list is an error: only "COPY (SELECT ...) TO" exports it. An
    -- importer must not write it back.
    net_weight             integer GENERATED ALWAYS AS (full_weight - empty_weight) STORED,
    owns_trailer           boolean,
    trailer_meets_criteria boolean,
    empty_document_id      uuid NOT NULL,
    full_document_id       uuid NOT NULL,
    status                 text,
    reason                 text,
    created_at             timestamp NOT NULL,
    updated_at             timestamp NOT NULL,
    deleted_at             timestamptz
);

CREATE TABLE public.progear_weight_tickets (
    id                 uuid PRIMARY KEY,
    ppm_shipment_id    uuid NOT NULL,
    belongs_to_self    boolean,
    description        text,
    has_weight_tickets boolean,
    weight             integer,
    document_id        uuid NOT NULL,
    status             text,
    reason             text,
    created_at         timestamp NOT NULL,
    updated_at         timestamp NOT NULL,
    deleted_at         timestamptz
);

CREATE TABLE public.moving_expenses (
    id                  uuid PRIMARY KEY,
    ppm_shipment_id     uuid NOT NULL,
    moving_expense_type public.moving_expense_type,
    description         text,
    paid_with_gtcc      boolean,
    amount              numeric(10, 2),
    missing_receipt     boolean,
    document_id         uuid NOT NULL,
    status              text,
    reason              text,
    sit_start_date      date,
    sit_end_date        date,
    created_at          timestamp NOT NULL,
    updated_at          timestamp NOT NULL,
    deleted_at          timestamptz
);

--------------------------------------------------------------------------------------------
-- Messages to people and to the prime contractor's systems.
--------------------------------------------------------------------------------------------
CREATE TABLE public.notifications (
    id                uuid PRIMARY KEY,
    service_member_id uuid NOT NULL,
    ses_message_id    text NOT NULL,
    notification_type public.notification_type NOT NULL,
    "from"            text NOT NULL,    -- reserved word as a column name
    payload           jsonb,
    created_at        timestamptz NOT NULL
);

CREATE TABLE public.webhook_subscriptions (
    id            uuid PRIMARY KEY,
    subscriber_id uuid NOT NULL,
    status        public.webhook_subscription_status NOT NULL,
    event_key     text NOT NULL,
    callback_url  text NOT NULL,
    severity      integer NOT NULL DEFAULT 0,
    signing_key   bytea NOT NULL,       -- 32 raw bytes, zeros and high bytes included
    created_at    timestamp NOT NULL,
    updated_at    timestamp NOT NULL
);

CREATE TABLE public.webhook_notifications (
    id              uuid PRIMARY KEY,
    -- Identity column: a sequence-backed value an importer must not regenerate.
    sequence_number bigint GENERATED ALWAYS AS IDENTITY,
    event_key       text NOT NULL,
    trace_id        uuid,
    move_id         uuid,
    object_id       uuid,
    payload         json NOT NULL,      -- json, not jsonb: text kept exactly as sent
    status          text NOT NULL,
    first_attempted_at timestamptz,
    created_at      timestamp NOT NULL,
    updated_at      timestamp NOT NULL
);

--------------------------------------------------------------------------------------------
-- The audit trail, written by row triggers in the real application: one row per changed
-- row, with the old row and the changed columns as jsonb. The largest table by far.
--------------------------------------------------------------------------------------------
CREATE TABLE public.audit_history (
    id                 uuid PRIMARY KEY,
    schema_name        text NOT NULL,
    table_name         text NOT NULL,
    relid              oid NOT NULL,        -- oid: unsigned 32-bit, values above 2^31 occur
    object_id          uuid,
    session_userid     uuid,
    event_name         text,
    action_tstamp_tx   timestamptz NOT NULL,
    action_tstamp_stm  timestamptz NOT NULL,
    action_tstamp_clk  timestamptz NOT NULL,
    transaction_id     bigint,
    client_query       text,
    action             text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
    old_data           jsonb,
    changed_data       jsonb,
    statement_only     boolean NOT NULL
);

--------------------------------------------------------------------------------------------
-- Shipment tracking events from the prime contractor, range-partitioned by month. Rows
-- outside 2023 land in the default partition. The primary key must include the partition
-- key. Exporters have to decide whether to read the parent or the leaf partitions, and
-- must not export the rows twice.
--------------------------------------------------------------------------------------------
CREATE TABLE public.tracking_events (
    id              uuid NOT NULL,
    occurred_at     timestamptz NOT NULL,
    mto_shipment_id uuid NOT NULL,
    event_code      text NOT NULL,
    latitude        double precision,
    longitude       double precision,
    details         jsonb,
    received_at     timestamp NOT NULL,     -- plain timestamp, as the prime sends it
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

DO $create_monthly_partitions$
DECLARE
    month_start date;
BEGIN
    FOR month_start IN
        SELECT generate_series(date '2023-01-01', date '2023-12-01', interval '1 month')::date
    LOOP
        EXECUTE format(
            'CREATE TABLE public.%I PARTITION OF public.tracking_events '
            'FOR VALUES FROM (%L) TO (%L)',
            'tracking_events_' || to_char(month_start, 'YYYY_MM'),
            -- Bounds spelled in UTC so they do not depend on the session's TimeZone.
            to_char(month_start, 'YYYY-MM-DD') || ' 00:00:00+00',
            to_char(month_start + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
    END LOOP;
END
$create_monthly_partitions$;

CREATE TABLE public.tracking_events_default PARTITION OF public.tracking_events DEFAULT;

--------------------------------------------------------------------------------------------
-- Names that need quoting.
--------------------------------------------------------------------------------------------

-- A table name with a space and columns with spaces, capitals and a reserved word.
CREATE TABLE public."office notes" (
    id          uuid PRIMARY KEY,
    "move id"   uuid NOT NULL,
    "user"      uuid NOT NULL,              -- the office user who wrote the note
    "Note Text" text,
    "Pinned?"   boolean NOT NULL DEFAULT false,
    "Created At" timestamp NOT NULL
);

-- Deliberately empty: exporters must still write the table (schema, zero rows).
CREATE TABLE public.prime_api_maintenance_windows (
    id          uuid PRIMARY KEY,
    during      tstzrange NOT NULL,
    reason      text,
    created_at  timestamp NOT NULL
);

--------------------------------------------------------------------------------------------
-- Second schema: the pricing catalog of the contract (fixed size).
--------------------------------------------------------------------------------------------
CREATE SCHEMA ghc;

CREATE TABLE ghc.re_contracts (
    id   uuid PRIMARY KEY,
    code text NOT NULL UNIQUE,
    name text NOT NULL
);

CREATE TABLE ghc.re_contract_years (
    id                    uuid PRIMARY KEY,
    contract_id           uuid NOT NULL,
    name                  text NOT NULL,
    effective             daterange NOT NULL,
    escalation            numeric NOT NULL,  -- unbounded: up to 40 fractional digits
    escalation_compounded numeric NOT NULL
);

CREATE TABLE ghc.re_domestic_linehaul_prices (
    id                      uuid PRIMARY KEY,
    contract_id             uuid NOT NULL,
    weight_lbs              int4range NOT NULL, -- bands: [500,1000), [1000,2000), ... [10000,)
    miles                   int4range NOT NULL,
    is_peak_period          boolean NOT NULL,
    domestic_service_area   text NOT NULL,
    price_millicents        integer NOT NULL
);

-- Mixed-case table and column names, as some ORMs create them.
CREATE TABLE ghc."ReServiceItemParams" (
    "Id"         uuid PRIMARY KEY,
    "ServiceId"  uuid NOT NULL,
    "ParamKey"   text NOT NULL,
    "ParamType"  text NOT NULL,
    "IsOptional" boolean NOT NULL,
    "Origin"     text NOT NULL,
    "CreatedAt"  timestamp NOT NULL,
    UNIQUE ("ServiceId", "ParamKey")
);

COMMENT ON TABLE public.audit_history IS 'Row-level change history written by triggers; old_data holds the row before the change, changed_data the columns that changed.';
COMMENT ON TABLE public.users_roles IS 'No primary key on purpose; may contain duplicate rows.';
COMMENT ON TABLE public."office notes" IS 'Free-form notes by office users; quoted name with a space.';
COMMENT ON COLUMN public.mto_shipments.estimated_transit IS 'Estimated time in transit; interval with months, days and microseconds.';
