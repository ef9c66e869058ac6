-- Sample database for pgexport: foreign keys, secondary indexes and statistics.
--
-- Run after data.sql. Adding a foreign key to a loaded table validates it with one join,
-- which is far faster than checking each row as it is inserted; the keys also prove that
-- data.sql derived every reference correctly.

\set ON_ERROR_STOP 1

-- Places and people.
ALTER TABLE public.transportation_offices
    ADD FOREIGN KEY (address_id) REFERENCES public.addresses (id),
    ADD FOREIGN KEY (shipping_office_id) REFERENCES public.transportation_offices (id);
ALTER TABLE public.duty_locations
    ADD FOREIGN KEY (address_id) REFERENCES public.addresses (id),
    ADD FOREIGN KEY (transportation_office_id) REFERENCES public.transportation_offices (id);
ALTER TABLE public.users_roles
    ADD FOREIGN KEY (user_id) REFERENCES public.users (id),
    ADD FOREIGN KEY (role_id) REFERENCES public.roles (id);
ALTER TABLE public.office_users
    ADD FOREIGN KEY (user_id) REFERENCES public.users (id),
    ADD FOREIGN KEY (transportation_office_id) REFERENCES public.transportation_offices (id);
ALTER TABLE public.service_members
    ADD FOREIGN KEY (user_id) REFERENCES public.users (id),
    ADD FOREIGN KEY (grade) REFERENCES public.pay_grades (grade),
    ADD FOREIGN KEY (residential_address_id) REFERENCES public.addresses (id),
    ADD FOREIGN KEY (backup_mailing_address_id) REFERENCES public.addresses (id),
    ADD FOREIGN KEY (duty_location_id) REFERENCES public.duty_locations (id);
ALTER TABLE public.documents
    ADD FOREIGN KEY (service_member_id) REFERENCES public.service_members (id);
ALTER TABLE public.user_uploads
    ADD FOREIGN KEY (document_id) REFERENCES public.documents (id),
    ADD FOREIGN KEY (uploader_id) REFERENCES public.users (id),
    ADD FOREIGN KEY (upload_id) REFERENCES public.uploads (id);

-- Orders and moves.
ALTER TABLE public.orders
    ADD FOREIGN KEY (service_member_id) REFERENCES public.service_members (id),
    ADD FOREIGN KEY (origin_duty_location_id) REFERENCES public.duty_locations (id),
    ADD FOREIGN KEY (new_duty_location_id) REFERENCES public.duty_locations (id),
    ADD FOREIGN KEY (uploaded_orders_id) REFERENCES public.documents (id),
    ADD FOREIGN KEY (entitlement_id) REFERENCES public.entitlements (id),
    ADD FOREIGN KEY (grade) REFERENCES public.pay_grades (grade);
ALTER TABLE public.moves
    ADD FOREIGN KEY (orders_id) REFERENCES public.orders (id),
    ADD FOREIGN KEY (contractor_id) REFERENCES public.contractors (id),
    ADD FOREIGN KEY (closeout_office_id) REFERENCES public.transportation_offices (id);
ALTER TABLE public.mto_shipments
    ADD FOREIGN KEY (move_id) REFERENCES public.moves (id),
    ADD FOREIGN KEY (pickup_address_id) REFERENCES public.addresses (id),
    ADD FOREIGN KEY (destination_address_id) REFERENCES public.addresses (id);
ALTER TABLE public.mto_service_items
    ADD FOREIGN KEY (move_id) REFERENCES public.moves (id),
    ADD FOREIGN KEY (mto_shipment_id) REFERENCES public.mto_shipments (id),
    ADD FOREIGN KEY (re_service_id) REFERENCES public.re_services (id);
ALTER TABLE public.payment_requests
    ADD FOREIGN KEY (move_id) REFERENCES public.moves (id),
    ADD FOREIGN KEY (recalculation_of_payment_request_id) REFERENCES public.payment_requests (id);
ALTER TABLE public.payment_service_items
    ADD FOREIGN KEY (payment_request_id) REFERENCES public.payment_requests (id),
    ADD FOREIGN KEY (mto_service_item_id) REFERENCES public.mto_service_items (id);
ALTER TABLE public.reweighs
    ADD FOREIGN KEY (shipment_id) REFERENCES public.mto_shipments (id);
ALTER TABLE public.sit_extensions
    ADD FOREIGN KEY (mto_shipment_id) REFERENCES public.mto_shipments (id);
ALTER TABLE public.customer_support_remarks
    ADD FOREIGN KEY (move_id) REFERENCES public.moves (id),
    ADD FOREIGN KEY (office_user_id) REFERENCES public.office_users (id);
ALTER TABLE public."office notes"
    ADD FOREIGN KEY ("move id") REFERENCES public.moves (id),
    ADD FOREIGN KEY ("user") REFERENCES public.office_users (id);

-- Personally procured moves.
ALTER TABLE public.ppm_shipments
    ADD FOREIGN KEY (shipment_id) REFERENCES public.mto_shipments (id);
ALTER TABLE public.weight_tickets
    ADD FOREIGN KEY (ppm_shipment_id) REFERENCES public.ppm_shipments (id),
    ADD FOREIGN KEY (empty_document_id) REFERENCES public.documents (id),
    ADD FOREIGN KEY (full_document_id) REFERENCES public.documents (id);
ALTER TABLE public.progear_weight_tickets
    ADD FOREIGN KEY (ppm_shipment_id) REFERENCES public.ppm_shipments (id),
    ADD FOREIGN KEY (document_id) REFERENCES public.documents (id);
ALTER TABLE public.moving_expenses
    ADD FOREIGN KEY (ppm_shipment_id) REFERENCES public.ppm_shipments (id),
    ADD FOREIGN KEY (document_id) REFERENCES public.documents (id);

-- Messages.
ALTER TABLE public.notifications
    ADD FOREIGN KEY (service_member_id) REFERENCES public.service_members (id);
ALTER TABLE public.webhook_subscriptions
    ADD FOREIGN KEY (subscriber_id) REFERENCES public.contractors (id);
ALTER TABLE public.webhook_notifications
    ADD FOREIGN KEY (move_id) REFERENCES public.moves (id),
    ADD FOREIGN KEY (object_id) REFERENCES public.mto_shipments (id);

-- A foreign key from a partitioned table (supported since PostgreSQL 11).
ALTER TABLE public.tracking_events
    ADD FOREIGN KEY (mto_shipment_id) REFERENCES public.mto_shipments (id);

-- Pricing catalog.
ALTER TABLE ghc.re_contract_years
    ADD FOREIGN KEY (contract_id) REFERENCES ghc.re_contracts (id);
ALTER TABLE ghc.re_domestic_linehaul_prices
    ADD FOREIGN KEY (contract_id) REFERENCES ghc.re_contracts (id);
ALTER TABLE ghc."ReServiceItemParams"
    ADD FOREIGN KEY ("ServiceId") REFERENCES public.re_services (id);

-- Secondary indexes the application would have; they make the on-disk size realistic and
-- give an exporter's planner something other than the primary key to look at.
CREATE INDEX ON public.moves (orders_id);
CREATE INDEX ON public.moves (status);
CREATE INDEX ON public.mto_shipments (move_id);
CREATE INDEX ON public.mto_service_items (mto_shipment_id);
CREATE INDEX ON public.mto_service_items (move_id);
CREATE INDEX ON public.payment_service_items (payment_request_id);
CREATE INDEX ON public.payment_requests (move_id);
CREATE INDEX ON public.orders (service_member_id);
CREATE INDEX ON public.audit_history (object_id);
CREATE INDEX ON public.audit_history (table_name, action_tstamp_tx);
CREATE INDEX ON public.tracking_events (mto_shipment_id);
CREATE INDEX ON public.users_roles (user_id);

-- Row counts and sizes for planners (pgexport's included) come from fresh statistics.
ANALYZE;
