//! Names for seeded tenants, shared by the providers that seed lists of them, so the demo
//! workspace looks like a real reseller's.

const BUSINESSES: &[&str] = &[
    "Bright Dental",
    "Harbor Logistics",
    "Maple Street Bakery",
    "Summit Legal",
    "Northwind Clinic",
    "Blue Fern Yoga",
    "Cedar Plumbing",
    "Atlas Realty",
    "Pinecrest Veterinary",
    "Orbit Fitness",
    "Lumen Optics",
    "Riverbend Pharmacy",
    "Keystone Insurance",
    "Golden Gate Tutors",
    "Silverline Taxis",
    "Evergreen Landscaping",
    "Copperfield Auto",
    "Starlight Events",
    "Redwood Family Care",
    "Bluebird Daycare",
    "Ironclad Security",
    "Sunrise Cafe",
    "Willow Spa",
    "Granite Construction",
    "Lighthouse Travel",
    "Meadow Florists",
    "Quarry Hill Dental",
    "Tidewater Marina",
    "Juniper Accounting",
    "Falcon Couriers",
    "Oakridge Physio",
    "Prairie Solar",
];

/// "Tenant 0001 — Bright Dental" for k = 0.
pub(crate) fn tenant_name(k: usize) -> String {
    format!("Tenant {:04} — {}", k + 1, BUSINESSES[k % BUSINESSES.len()])
}
