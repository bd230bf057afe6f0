//! Query strings, parsed in one place for the API and the pages by
//! [`baocao_app::filters::parse_query`]: a parameter left empty means "not
//! given"; one that does not parse answers 400 with the error body (JSON for
//! the API, the error page for pages), never the framework's own text.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::WebError;

/// The query string as `T`, with empty parameters dropped.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T> Params<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Params<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Params<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = baocao_app::filters::parse_query(req.query_string());
        ready(parsed.map(Params).map_err(|e| crate::error_for(req, WebError::from(e))))
    }
}
