/** Body of a successful `POST /auth/login`. */
export interface AccessTokenResponse {
  /** JWT with `sub` (user id), `role` and `email`; see `AccessTokenClaims`. */
  accessToken: string;
}
