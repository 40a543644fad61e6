mod finding;
mod grant;
mod load;
mod policy;
mod rules;
fn main() {}
